# cxtokens — every target installs the system packages it needs when missing
# (scripts/install-deps.sh), so `make run` and `make test` work on a fresh
# Debian/Ubuntu machine that has Go and gcc.

GO ?= go
BIN := bin/cxtokens
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FYNE_TOOLS := fyne.io/tools/cmd/fyne@v1.7.4
export CGO_ENABLED := 1

.PHONY: all build run demo test vet lint fuzz bench package clean

all: build

build:
	@scripts/install-deps.sh build
	$(GO) build -trimpath -o $(BIN) .

# The desktop app on the default vault. Needs a graphical session (DISPLAY).
run: build
	@scripts/install-deps.sh run
	./$(BIN)

# The desktop app against an in-process emulator with a throw-away vault.
demo: build
	@scripts/install-deps.sh run
	./$(BIN) demo

vet:
	$(GO) vet ./...

lint:
	$(GO) run $(STATICCHECK) ./...

# Everything CI runs: vet, staticcheck, the race-enabled tests and short fuzzing,
# inside a private D-Bus session with an unlocked throw-away gnome-keyring and Xvfb.
test:
	@scripts/install-deps.sh test
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	scripts/session.sh $(GO) test -race -timeout 20m ./...
	scripts/session.sh scripts/fuzz.sh 5s

fuzz:
	@scripts/install-deps.sh test
	scripts/session.sh scripts/fuzz.sh 30s

bench: build
	@scripts/install-deps.sh bench
	scripts/session.sh scripts/bench.sh

# A Linux release archive (binary, desktop file, icon, install Makefile) built by
# `fyne package`. It rewrites FyneApp.toml (build number), so we put it back.
package: build
	cp FyneApp.toml bin/FyneApp.toml.keep
	$(GO) run $(FYNE_TOOLS) package --os linux --release --exe $(BIN) --icon assets/icon.png; \
		status=$$?; mv bin/FyneApp.toml.keep FyneApp.toml; exit $$status
	mkdir -p dist && mv "CarrierX Tokens.tar.xz" dist/cxtokens-linux-$$($(GO) env GOARCH).tar.xz
	@ls -l dist/

clean:
	rm -rf bin dist
