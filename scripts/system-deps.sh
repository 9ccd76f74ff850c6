#!/usr/bin/env bash
# Installs the Debian packages the product and its test suite need, when missing.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
have Orthanc || need+=(orthanc)
have dciodvfy || need+=(dicom3tools)
have pdftotext || need+=(poppler-utils)
have chromium || need+=(chromium)
have sox || need+=(sox)
have storescu || need+=(dcmtk)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${need[*]} (run as root or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
# Debian starts the packaged services; the product and tests run their own.
systemctl disable --now orthanc postgresql >/dev/null 2>&1 || service orthanc stop >/dev/null 2>&1 || true
