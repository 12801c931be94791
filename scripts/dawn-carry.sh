#!/bin/bash
# Fills the carry folder (default .device/, git-ignored through .git/info/exclude) for scripts/dawn-device.sh:
#   bash scripts/dawn-carry.sh [DIR] [DAWN_PACKAGE_DIR]
# DAWN_PACKAGE_DIR is the unpacked npm package `webgpu` (default /tmp/dawn/package). Rebuilds the library
# bundle and recopies the scripts every time; compresses node and downloads libvulkan1 only when missing.
# Plan files already in DIR are kept; scripts/plans/*.json are copied in.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$(mkdir -p "${1:-$ROOT/.device}" && cd "${1:-$ROOT/.device}" && pwd)
PKG=${2:-/tmp/dawn/package}

node "$ROOT/scripts/dawn-build.mjs" "$DIR/.lib"
mv "$DIR/.lib/metarnn-dawn.js" "$DIR/metarnn-dawn.mjs" # .mjs: ESM wherever it lands
rmdir "$DIR/.lib"
cp "$ROOT/scripts/dawn-run.mjs" "$ROOT/scripts/dawn-probe.mjs" "$ROOT/scripts/pack-best.py" "$DIR/"
cp "$ROOT/scripts/dawn-device.sh" "$DIR/run.sh"
cp "$ROOT"/scripts/plans/*.json "$DIR/" # main.json, lopt.json, omniglot.json, smoke.json: the plans BENCHMARKS.md cites
# The Omniglot plans read the zips beside them (the shared data folder does not travel to the device machine).
for z in images_background_small1.zip images_background_small2.zip; do
  if [ -f "$ROOT/../shared/data/omniglot/$z" ]; then cp "$ROOT/../shared/data/omniglot/$z" "$DIR/"; fi
done
# TF.js for the bench's peers (bench/tfjs_node.ts imports it at run time from node_modules/ beside the
# bundle): the Node builds of the packages @tensorflow/tfjs loads, the wasm binaries and two small deps, ~9 MB.
NM="$ROOT/node_modules"
if [ -d "$NM/@tensorflow/tfjs" ]; then
  rm -rf "$DIR/node_modules"
  for p in tfjs tfjs-core tfjs-layers tfjs-converter tfjs-data tfjs-backend-cpu tfjs-backend-webgl \
    tfjs-backend-webgpu tfjs-backend-wasm; do
    mkdir -p "$DIR/node_modules/@tensorflow/$p/dist"
    cp "$NM/@tensorflow/$p/package.json" "$DIR/node_modules/@tensorflow/$p/"
    cp "$NM/@tensorflow/$p"/dist/*.node.js "$DIR/node_modules/@tensorflow/$p/dist/"
  done
  cp "$NM"/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$DIR/node_modules/@tensorflow/tfjs-backend-wasm/dist/"
  cp -r "$NM/seedrandom" "$NM/long" "$DIR/node_modules/"
fi
mkdir -p "$DIR/dawn"
cp "$PKG/index.js" "$PKG/package.json" "$DIR/dawn/"
[ -f "$DIR/dawn.node.gz" ] || gzip -9 -c "$PKG/dist/linux-x64/dawn.node" > "$DIR/dawn.node.gz"
[ -f "$DIR/node.xz" ] || xz -T2 -6 -c "$(readlink -f "$(command -v node)")" > "$DIR/node.xz"
ls "$DIR"/libvulkan1_*.deb >/dev/null 2>&1 || (cd "$DIR" && apt-get download libvulkan1)
# NVIDIA's Vulkan driver is libGLX_nvidia.so.0, which needs glvnd (libGLdispatch): without these the loader
# says "Could not get 'vkCreateInstance' via 'vk_icdGetInstanceProcAddr'" (seen on the lent H100).
ls "$DIR"/gl/*.deb >/dev/null 2>&1 ||
  (mkdir -p "$DIR/gl" && cd "$DIR/gl" && apt-get download libglvnd0 libgl1 libglx0 libegl1 libopengl0 libgles2)
du -sh "$DIR"
