#!/bin/bash
# Runs scripts/dawn-run.mjs on a machine with a GPU driver but no Node, npm or network, from the carry folder
# that scripts/dawn-carry.sh fills (copied there as run.sh):
#   bash .device/run.sh .device/lopt.json        → $OUT/results.json, $OUT/log.txt, $OUT/lopt/...
# Needs x86-64 glibc >= 2.34 (dawn.node), Vulkan through the NVIDIA driver, and dpkg (or an existing
# libvulkan.so.1). METARNN_DAWN_TIMEOUT (seconds, default 560) bounds the node run so a slow plan still leaves
# the log and the parts it finished.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PLAN=$(readlink -f "${1:?usage: bash run.sh PLAN.json}")
OUT=${OUT:-/tmp/metarnn-dawn-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/log.txt") 2>&1
set -x
date -u
uname -a
grep PRETTY_NAME /etc/os-release
ldd --version | head -1
nvidia-smi -L
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv

W=/tmp/metarnn-dawn
mkdir -p "$W/dawn/dist/linux-x64" "$W/xdg"
chmod 700 "$W/xdg"
export XDG_RUNTIME_DIR="$W/xdg"
[ -x "$W/node" ] || { xz -T0 -dc "$HERE/node.xz" > "$W/node.part" && chmod +x "$W/node.part" && mv "$W/node.part" "$W/node"; }
[ -f "$W/dawn/dist/linux-x64/dawn.node" ] || gzip -dc "$HERE/dawn.node.gz" > "$W/dawn/dist/linux-x64/dawn.node"
cp "$HERE/dawn/index.js" "$HERE/dawn/package.json" "$W/dawn/"
"$W/node" --version || { echo "DIAG: the carried node binary does not run here"; exit 10; }

# glvnd, which the NVIDIA Vulkan driver (libGLX_nvidia.so.0) needs: a bare CUDA image lacks it.
if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null; then
  for f in "$HERE"/gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig
fi

# The Vulkan loader: the driver container usually has the NVIDIA ICD but not libvulkan.so.1.
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  DEB=$(ls "$HERE"/libvulkan1_*.deb | head -1)
  if [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null; then
    dpkg -x "$DEB" / && ldconfig
  elif command -v dpkg >/dev/null; then
    dpkg -x "$DEB" "$W/vk"
    export LD_LIBRARY_PATH="$W/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  else
    echo "DIAG: no libvulkan.so.1 and no dpkg to unpack $DEB"
  fi
fi
ldconfig -p | grep -E 'libvulkan|libGLX_nvidia|libnvidia-glvkspirv' || true

# The NVIDIA ICD: a json shipped with the driver, or one written here around libGLX_nvidia.so.0 (which holds
# NVIDIA's Vulkan driver) when the container mounted the library but not the json.
ICD=""
for d in /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d /usr/local/nvidia/icd.d; do
  ls -la "$d" 2>/dev/null
  for f in "$d"/nvidia*.json; do [ -z "$ICD" ] && [ -f "$f" ] && ICD="$f"; done
done
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
if [ -z "$ICD" ]; then
  GLX=$( (ldconfig -p | grep -o '/.*libGLX_nvidia.so.0$'; find /usr/local/nvidia /usr/lib /usr/lib64 -name 'libGLX_nvidia.so.0' 2>/dev/null) | head -1)
  if [ -n "$GLX" ]; then
    ICD="$W/nvidia_icd.json"
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$GLX" > "$ICD"
  fi
fi
if [ -n "$ICD" ]; then
  cat "$ICD"
  export VK_ICD_FILENAMES="$ICD" VK_DRIVER_FILES="$ICD"
else
  echo "DIAG: no NVIDIA Vulkan ICD json and no libGLX_nvidia.so.0: the container may lack the 'graphics' driver capability"
fi

diagnose() {
  echo "DIAG: Dawn found no adapter. ICD files:"
  ls -la /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d 2>&1
  ls -la /dev/nvidia* /dev/dri 2>&1
  find / -xdev \( -name 'libGLX_nvidia*' -o -name 'nvidia_icd*.json' -o -name 'libvulkan.so*' -o -name 'libEGL_nvidia*' \) 2>/dev/null | head -30
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  VK_LOADER_DEBUG=error,warn,driver "$W/node" "$HERE/dawn-probe.mjs" "$W/dawn/index.js" 2>&1 | head -120
}

"$W/node" "$HERE/dawn-probe.mjs" "$W/dawn/index.js" || { diagnose; exit 11; }

set +e
timeout "${METARNN_DAWN_TIMEOUT:-560}" "$W/node" "$HERE/dawn-run.mjs" --lib "$HERE/metarnn-dawn.mjs" \
  --dawn "$W/dawn/index.js" --plan "$PLAN" --out "$OUT"
rc=$?
[ $rc = 3 ] && diagnose
echo "dawn-run exit $rc"
ls -la "$OUT"
date -u
exit $rc
