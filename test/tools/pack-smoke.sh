#!/usr/bin/env bash
# Packs fengkong, installs the tarball into a fresh project and decides one application through the
# public import, with type declarations checked by tsc.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
project=${1:-$(mktemp -d)}
mkdir -p "$project"
tarball=$(cd "$root" && npm pack --silent --pack-destination "$project" | tail -n 1)
cd "$project"
# npm 11 runs no dependency's install script unless allowed: onnxruntime-node's (a GPU download) is denied outright.
printf '{ "name": "fengkong-smoke", "private": true, "type": "module", "allowScripts": { "onnxruntime-node": false } }\n' > package.json
npm install --no-audit --no-fund --silent "./$tarball" "typescript@$(node -p "require('$root/node_modules/typescript/package.json').version")" "@types/node@$(node -p "require('$root/node_modules/@types/node/package.json').version")"
cat > smoke.ts <<'TS'
import { createEngine, type Decision } from 'fengkong';

const engine = await createEngine();
const decision: Decision = await engine.decide({
  application_id: 'S1', applied_at: '2016-02-10T17:00:00Z', applicant_id: 'ap_1', device_id: 'dv_1',
  ip: '73.12.44.9', email: 'a@gmail.com', phone: '+12125550143', ip_region: 'NY', channel: 'web',
  addr_state: 'NY', funded_amnt: 12000, term: 'term_36', annual_inc: 85000, emp_length: 'emp_5',
  verification_status: 'Verified', delinq_2yrs: 0, inq_last_6mths: 1, revol_util: 42.5, acc_now_delinq: 0,
  open_il_6m: 1, open_il_12m: 0, open_il_24m: 1, total_bal_il: 15000, all_util: 55, inq_fi: 0,
  inq_last_12m: 2, delinq_amnt: 0, num_il_tl: 3, total_il_high_credit_limit: 30000,
});
if (decision.outcome !== 'approve') throw new Error(`expected approve, got ${decision.outcome}`);
console.log(`packed package decided ${decision.applicationId}: ${decision.outcome}, tier ${decision.tier}`);
TS
npx tsc --module nodenext --moduleResolution nodenext --target es2022 --strict --skipLibCheck smoke.ts
node smoke.js
test -f node_modules/fengkong/dist/decision.schema.json
