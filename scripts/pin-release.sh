#!/usr/bin/env bash
# After the release workflow (dist) published tag $1: pin its checksums in the repository, so the
# installer never trusts a checksum fetched beside the archive, and move the major tag.
#
#   scripts/pin-release.sh v1.2.3        # needs gh, authenticated; run on main
set -euo pipefail
tag=${1:?usage: pin-release.sh vX.Y.Z}
major=${tag%%.*}
cd "$(dirname "$0")/.."
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
gh release download "$tag" --pattern 'sha256.sum' --dir "$dir"
# dist's sha256.sum lists "<sha256>  <asset>" for every archive of the release.
grep -E '\.(tar\.xz|zip)$' "$dir/sha256.sum" > "actions/setup/checksums/$tag.txt"
# Verify what was pinned against the published archives before trusting it.
gh release download "$tag" --pattern '*.tar.xz' --pattern '*.zip' --dir "$dir"
(cd "$dir" && sha256sum --check --quiet "$OLDPWD/actions/setup/checksums/$tag.txt")
echo "$tag" > actions/setup/version.txt
git add "actions/setup/checksums/$tag.txt" actions/setup/version.txt
git commit -m "Pin $tag checksums for the installer"
git push origin HEAD
# Users write @v1: move it to the commit that pins this release.
git tag -f "$major"
git push -f origin "$major"
