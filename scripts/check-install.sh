#!/usr/bin/env bash
# Checks `make install` and `make uninstall`: install into a scratch prefix (stripped, no
# ldconfig, the loader advice printed), build and run a C program with nothing but
# `pkg-config --cflags --libs ldredis` (and with the printed rpath, without LD_LIBRARY_PATH), then
# uninstall and check that exactly what was installed is gone (and nothing else was touched);
# STRIP= keeps the symbols, and a system prefix runs ldconfig.
set -u
cd "$(dirname "$0")/.."
version=$(tr -d '[:space:]' < VERSION)
prefix=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-install.XXXXXX")
passed=0; failed=0
check() { if "$@"; then passed=$((passed + 1)); echo "ok   - $desc"; else failed=$((failed + 1)); echo "FAIL - $desc"; fi; }

marks=$(mktemp -d "${TMPDIR:-/tmp}/ldredis-marks.XXXXXX")
trap 'rm -rf "$prefix" "$marks"' EXIT
mkdir -p "$prefix/lib" && touch "$prefix/lib/unrelated.so"     # must survive uninstall
make --no-print-directory install PREFIX="$prefix" LDCONFIG="touch $marks/ldconfig" >"$marks/out" 2>&1
desc="install into a scratch prefix does not run ldconfig"
check test ! -e "$marks/ldconfig"
desc="install into a scratch prefix says how to reach it: LD_LIBRARY_PATH"
check grep -q "LD_LIBRARY_PATH=$prefix/lib" "$marks/out"
desc="... or -Wl,-rpath with PKG_CONFIG_PATH"
check grep -q -- "-Wl,-rpath,\$(pkg-config --variable=libdir ldredis)" "$marks/out"
desc="the installed library is stripped (no .symtab) and still exports the C API"
check sh -c "! readelf -S '$prefix/lib/libldredis.so.$version' | grep -q '\.symtab' && nm -D --defined-only '$prefix/lib/libldredis.so.$version' | grep -q ' T ldredis_store_get\$'"
installed=$(cd "$prefix" && find . \( -type f -o -type l \) | sort | tr '\n' ' ')
expected="./bin/ldredis ./include/ldredis.h ./lib/libldredis.so ./lib/libldredis.so.1 ./lib/libldredis.so.$version ./lib/pkgconfig/ldredis.pc ./lib/unrelated.so ./share/man/man1/ldredis.1 "
desc="install writes the library, its two symlinks, the header, ldredis.pc, the ldredis command and its man page"
check test "$installed" = "$expected"
desc="the symlinks point at the versioned library"
check test "$(readlink "$prefix/lib/libldredis.so.1")" = "libldredis.so.$version" -a "$(readlink "$prefix/lib/libldredis.so")" = "libldredis.so.$version"

desc="the installed ldredis command runs without libldredis.so (the core and Swift runtime are linked in)"
check test "$("$prefix/bin/ldredis" --version)" = "ldredis $version" -a -z "$(ldd "$prefix/bin/ldredis" | grep -e libldredis -e libswift)"
desc="its man page is valid troff that man renders"
check test -n "$(MANWIDTH=80 man -l "$prefix/share/man/man1/ldredis.1" 2>/dev/null | grep -F 'ldredis - look at')"

cat > "$prefix/app.c" <<'C'
#include <ldredis.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    ldredis_config *cfg = NULL;
    if (ldredis_config_new(&cfg) != LDREDIS_OK) return 1;
    int bad = ldredis_config_set_url(cfg, "http://nope");
    printf("%s %s\n", ldredis_version(), ldredis_status_name(bad));
    ldredis_config_free(cfg);
    return strcmp(ldredis_version(), LDREDIS_VERSION_STRING) != 0;
}
C
# shellcheck disable=SC2046
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cc -std=c99 -Wall -Werror -o "$prefix/app" "$prefix/app.c" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs ldredis)
desc="a C program builds with only pkg-config's flags and runs against the installed library"
check test "$(LD_LIBRARY_PATH="$prefix/lib" "$prefix/app")" = "$version LDREDIS_ERR_INVALID_ARGUMENT"
# The rpath recipe install printed: the program runs with no LD_LIBRARY_PATH at all.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror -o "$prefix/app" "$prefix/app.c" $(pkg-config --cflags --libs ldredis) \
  -Wl,-rpath,"$(pkg-config --variable=libdir ldredis)"
unset PKG_CONFIG_PATH
desc="linked with the printed -Wl,-rpath, it runs with LD_LIBRARY_PATH unset"
check test "$(env -u LD_LIBRARY_PATH "$prefix/app")" = "$version LDREDIS_ERR_INVALID_ARGUMENT"
rm -f "$prefix/app" "$prefix/app.c"

make --no-print-directory uninstall PREFIX="$prefix" LDCONFIG=true >/dev/null
left=$(cd "$prefix" && find . \( -type f -o -type l \) | sort | tr '\n' ' ')
desc="uninstall removes exactly what install wrote"
check test "$left" = "./lib/unrelated.so "

# STRIP= keeps the symbols; a system prefix (here: declared one) runs ldconfig.
make --no-print-directory install PREFIX="$prefix/sys" SYSTEM_PREFIXES="$prefix/sys" STRIP= \
  LDCONFIG="touch $marks/ldconfig" >"$marks/out" 2>&1
desc="make install STRIP= keeps the symbols (.symtab)"
check sh -c "readelf -S '$prefix/sys/lib/libldredis.so.$version' | grep -q '\.symtab'"
desc="install into a system prefix runs ldconfig and prints no loader advice"
check test -e "$marks/ldconfig" -a -z "$(grep LD_LIBRARY_PATH "$marks/out")"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
