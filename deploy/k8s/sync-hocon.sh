#!/usr/bin/env bash
# Copies the node's HOCON files from hocon/ into the kustomize base, which carries them in the
# clusterqueue-hocon ConfigMap (kustomize reads no file outside its own folder). A test fails
# when the two differ, naming this script.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
target=$repo/deploy/k8s/base/hocon
rm -f "$target"/*.conf
for file in "$repo"/hocon/*.conf; do
  # testing.conf is the tests' fast failure detection, never a production setting.
  [[ $(basename "$file") == testing.conf ]] && continue
  cp "$file" "$target/"
done
ls "$target"
