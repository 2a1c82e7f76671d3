# Sourced by the other scripts: makes sure Debian packages are installed.
#
# As root, missing packages are installed with apt-get. Otherwise the exact
# apt-get line is printed and the script stops, so nothing is installed
# behind the user's back.

# What building and running the library needs.
PROV_BUILD_PACKAGES="meson ninja-build pkg-config gcc make libjson-c-dev libyaml-dev libcurl4-openssl-dev"
# What the test suite needs on top.
PROV_TEST_PACKAGES="check valgrind clang g++ etcd-server libsqlite3-dev python3"

prov_missing_packages() {
	missing=""
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
			missing="$missing $pkg"
		fi
	done
	printf '%s' "$missing"
}

prov_ensure_packages() {
	missing=$(prov_missing_packages "$@")
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "Missing Debian packages. Install them with:" >&2
		echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
		exit 1
	fi
	echo "Installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing > /dev/null
}
