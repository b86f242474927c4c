#!/usr/bin/env bash
# depcheck: what a new user of the library downloads.
#
# Packs the root module (github.com/childloop/childloop) into a module zip the
# way the module proxy would serve it (nested modules such as bench/ and
# examples/ left out), serves it from a file-based GOPROXY chained before the
# normal one, and builds a tiny program that imports only childproc and loop
# in a fresh module with an empty GOMODCACHE/GOPATH. It then lists every
# module whose source zip was downloaded and, separately, those of which only
# the go.mod was fetched. It fails if building the program fetches the
# source of any module but childloop itself and golang.org/x/sys, or if the
# user's build list (after go mod tidy) carries a module that provides no
# package the program or the tests of its dependencies use (what bench/ and
# examples/ alone need). That go mod tidy also fetches the source of the
# library's test dependencies is reported; DEPCHECK_STRICT=1 fails on it too.
#
#   .ci/depcheck.sh          # the working tree (tracked and untracked, not ignored)
#   .ci/depcheck.sh REV      # a commit, e.g. one from before the module split
#   DEPCHECK_STRICT=1 .ci/depcheck.sh
#
# Needs git, zip, and the module proxy (for x/sys and the go.mod files); the
# build cache is shared, module downloads are not.
set -euo pipefail
cd "$(dirname "$0")/.."

rev="${1:-}"
mod=github.com/childloop/childloop
upstream="$(go env GOPROXY)"

tmp="$(mktemp -d)"
cleanup() { chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

commit="${rev:-HEAD}"
when="$(TZ=UTC git show -s --format=%cd --date=format-local:%Y%m%d%H%M%S "$commit")"
version="v0.0.0-$when-$(git rev-parse --short=12 "$commit")"

# The module's files, under the zip's MODULE@VERSION/ prefix.
src="$tmp/zip/$mod@$version"
mkdir -p "$src"
if [ -n "$rev" ]; then
	git archive "$rev" | tar -x -C "$src"
else
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
		tar -c --null -T - | tar -x -C "$src"
fi
# What the module zip excludes: nested modules, vendor directories, VCS dirs.
find "$src" -mindepth 2 -name go.mod -printf '%h\0' | xargs -0r rm -rf
find "$src" -depth -type d \( -name vendor -o -name .git -o -name .hg -o -name .svn -o -name .bzr \) -exec rm -rf {} +

proxy="$tmp/proxy/$mod/@v"
mkdir -p "$proxy"
(cd "$tmp/zip" && zip -qrXD "$proxy/$version.zip" "$mod@$version")
cp "$src/go.mod" "$proxy/$version.mod"
printf '{"Version":"%s","Time":"%s"}\n' "$version" \
	"$(TZ=UTC git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ "$commit")" >"$proxy/$version.info"
echo "$version" >"$proxy/list"
cp "$proxy/$version.info" "$tmp/proxy/$mod/@latest"

# The new user.
user="$tmp/user"
mkdir -p "$user"
cat >"$user/go.mod" <<EOF
module example.com/newuser

go 1.26.0

require $mod $version
EOF
cat >"$user/main.go" <<'EOF'
package main

import (
	"fmt"

	"github.com/childloop/childloop/childproc"
	"github.com/childloop/childloop/loop"
)

var _, _ = childproc.New, loop.New

func main() { fmt.Println("ok") }
EOF

export GONOSUMDB="$mod" GOPRIVATE= GONOPROXY= GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
export GOPROXY="file://$tmp/proxy,$upstream"
echo "depcheck: $mod@$version (${rev:-working tree}), GOPROXY=$GOPROXY"

fresh() { # name: an empty module cache and a copy of the user module
	export GOPATH="$tmp/$1/gopath" GOMODCACHE="$tmp/$1/gopath/pkg/mod"
	mkdir -p "$GOMODCACHE" && cp -r "$user" "$tmp/$1/user" && cd "$tmp/$1/user"
}
# $GOMODCACHE/cache/download/PATH/@v/VERSION.{zip,mod}, paths and versions
# case-encoded (!x for X), as "PATH VERSION" lines.
listing() { # ext
	local dl="$GOMODCACHE/cache/download"
	[ -d "$dl" ] || return 0
	find "$dl" -path '*/@v/*' -name "*.$1" | sed -e "s|^$dl/||" -e 's|/@v/| |' -e "s|\.$1\$||" \
		-e 's/!\([a-z]\)/\u\1/g' | sort
}
show() { # title lines
	echo "  $1 ($(printf '%s' "$2" | grep -c . || true)):"
	[ -z "$2" ] || printf '%s\n' "$2" | sed 's/^/    /'
}
# Source zips other than childloop's own and x/sys.
foreign() { printf '%s' "$1" | grep -v -e "^$mod $version\$" -e '^golang.org/x/sys ' || true; }
fail=0

# A. The requirement: building the program (go build resolves what is
# missing, -mod=mod) fetches the source of childloop and x/sys only.
echo "== A. empty cache, go build"
(
	fresh a
	go build -o "$tmp/newuser" . && "$tmp/newuser" >/dev/null
	zips="$(listing zip)"
	show "source zips" "$zips"
	show "go.mod only" "$(comm -23 <(listing mod) <(printf '%s\n' "$zips"))"
	if [ -n "$(foreign "$zips")" ]; then
		echo "depcheck FAILED: building a program that imports only childproc and loop fetches the source of:"
		foreign "$zips" | sed 's/^/    /'
		exit 1
	fi
) || fail=1

# B. go mod tidy && go build. tidy also loads the tests of every package in
# 'all' ("Tidy aims to make 'go test' reproducible for any package in
# 'all'", cmd/go/internal/modcmd/tidy.go), so the imports of the library's
# own tests (testify, goleak) are fetched as source here: reported, not
# failed unless DEPCHECK_STRICT=1. Then the user's build list (go list -m all) must hold nothing
# beyond the modules that provide the packages of 'all' and their tests,
# i.e. no requirement of the library that only bench/ or examples/ use.
echo "== B. empty cache, go mod tidy && go build"
(
	fresh b
	go mod tidy && go build -o "$tmp/newuser" . && "$tmp/newuser" >/dev/null
	zips="$(listing zip)"
	show "source zips" "$zips"
	show "go.mod only" "$(comm -23 <(listing mod) <(printf '%s\n' "$zips"))"
	if [ -n "$(foreign "$zips")" ]; then
		if [ "${DEPCHECK_STRICT:-}" = 1 ]; then
			echo "depcheck FAILED (DEPCHECK_STRICT=1): go mod tidy fetched the source of:"
			strict=1
		else
			echo "  NOTE: go mod tidy fetched the source of modules the library's tests import (DEPCHECK_STRICT=1 fails on this):"
		fi
		foreign "$zips" | sed 's/^/    /'
	fi
	needed="$(go list -deps -test -f '{{with .Module}}{{.Path}}{{end}}' all | sort -u)"
	graph="$(go list -m -f '{{if not .Main}}{{.Path}} {{.Version}}{{end}}' all | grep . | sort)"
	extra="$(printf '%s\n' "$graph" | awk 'NR==FNR { need[$1]; next } !($1 in need)' <(printf '%s\n' "$needed") -)"
	show "build list (go list -m all)" "$graph"
	show "go.mod fetched for the build list beyond the above" \
		"$(comm -23 <(listing mod) <(listing zip))"
	if [ -n "$extra" ]; then
		show "depcheck FAILED: build list modules that provide no package of 'all' or its tests" "$extra"
		exit 1
	fi
	[ -z "${strict:-}" ]
) || fail=1

[ "$fail" = 0 ] && echo "depcheck passed"
exit "$fail"
