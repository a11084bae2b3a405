# Shared set-up for the project's scripts: install what is missing, and
# nothing else. Sourced by .ci/run, .ci/test and .ci/app.

# System packages BPF Draft needs to build: a C compiler for cgo
# (automerge-go links a static Rust library), and the OpenGL and X11
# headers Fyne's window driver (GLFW) compiles against.
BPF_PACKAGES=(gcc libc6-dev pkg-config git curl ca-certificates
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)

# The Go version go.mod asks for.
BPF_GO_VERSION=1.26.8

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_packages() {
	local missing=()
	for p in "${BPF_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "Installing system packages: ${missing[*]}" >&2
		as_root apt-get update -qq
		DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	fi
}

ensure_go() {
	export PATH="$PATH:/usr/local/go/bin:$HOME/.local/go/bin:$HOME/go/bin"
	if command -v go >/dev/null 2>&1; then
		local have
		have=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
		if [ "$(printf '%s\n%s\n' "$BPF_GO_VERSION" "$have" | sort -V | head -n1)" = "$BPF_GO_VERSION" ]; then
			return
		fi
		# Go 1.21 and later fetch the toolchain go.mod names by themselves.
		if [ "$(printf '%s\n%s\n' "1.21" "$have" | sort -V | head -n1)" = "1.21" ]; then
			export GOTOOLCHAIN="go$BPF_GO_VERSION"
			return
		fi
	fi
	echo "Installing Go $BPF_GO_VERSION into ~/.local/go" >&2
	local arch
	arch=$(dpkg --print-architecture)
	mkdir -p "$HOME/.local"
	curl -fsSL "https://go.dev/dl/go$BPF_GO_VERSION.linux-$arch.tar.gz" | tar -C "$HOME/.local" -xz
}
