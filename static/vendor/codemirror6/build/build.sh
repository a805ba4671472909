#!/bin/sh
# Rebuilds ../editor.bundle.js and ../LICENSE from the pinned package-lock.json. Installs into a temporary
# folder so no node_modules ever lands under static/ (collectstatic would publish it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$work/"
cd "$work"
npm ci --no-audit --no-fund
npx --no-install esbuild entry.js --bundle --format=iife --global-name=CM6 --minify --target=es2020 \
  --legal-comments=none --outfile="$here/../editor.bundle.js"
{
  echo "editor.bundle.js bundles these packages (all MIT), built from build/package-lock.json:"
  for pkg in $(node -e 'const l=require("./package-lock.json");for(const k of Object.keys(l.packages))if(k&&!l.packages[k].dev)console.log(k.slice(13))'); do
    echo "  $pkg $(node -p "require('./node_modules/$pkg/package.json').version")"
  done
  echo
  cat node_modules/@codemirror/view/LICENSE
  for pkg in @lezer/common @lezer/highlight style-mod w3c-keyname crelt; do
    if [ -f "node_modules/$pkg/LICENSE" ] && ! cmp -s node_modules/$pkg/LICENSE node_modules/@codemirror/view/LICENSE; then
      echo; echo "---- $pkg"; cat "node_modules/$pkg/LICENSE"
    fi
  done
} > "$here/../LICENSE"
ls -l "$here/../editor.bundle.js"
