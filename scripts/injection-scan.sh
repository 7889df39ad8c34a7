#!/usr/bin/env bash
# Issue 7: sqlmap against every API operation and form of a platform started on loopback (see injection-scan.ts).
cd "$(dirname "$0")/.." && exec node --import tsx scripts/injection-scan.ts "$@"
