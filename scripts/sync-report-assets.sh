#!/usr/bin/env bash
# Copy the report templates, stylesheet and catalogues from reports/ (their source) into the package
# (auditor/report/assets/), which is what ships and what auditor reads. Run after editing reports/;
# tests/report/test_assets.py fails, naming the file, while the two differ.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf auditor/report/assets
mkdir -p auditor/report/assets
cp -r reports/templates reports/static reports/i18n auditor/report/assets/
