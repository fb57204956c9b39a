/**
 * The systemd unit of docs/deployment.md, as printed, passes `systemd-analyze verify` without a
 * warning (an unknown key or a value systemd cannot parse is only warned about, then ignored: a
 * unit that silently loses its hardening or restart policy).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/process.ts';

const ANALYZE = '/usr/bin/systemd-analyze';
const found = existsSync(ANALYZE);
if (!found && process.env.CI === 'true') {
  throw new Error(`CI=true requires ${ANALYZE} for the systemd unit test (apt-get install -y systemd, as .ci/run does)`);
}

(found ? describe : describe.skip)(`the systemd unit in docs/deployment.md${found ? '' : ` (skipped: no ${ANALYZE})`}`, () => {
  it('verifies without a warning, as an instance of the template', () => {
    const page = readFileSync(join(REPO_ROOT, 'docs/deployment.md'), 'utf8');
    const unit = /^## systemd[\s\S]*?```ini\n([\s\S]*?)```/m.exec(page)?.[1];
    expect(unit, 'docs/deployment.md has no ```ini block under "## systemd"').toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'bpay-unit-'));
    try {
      // the template instantiated, as `systemctl enable bpay@1` would
      writeFileSync(join(dir, 'bpay@1.service'), unit!);
      const verify = spawnSync(ANALYZE, ['verify', '--man=no', join(dir, 'bpay@1.service')], { encoding: 'utf8' });
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stderr.trim()).toBe('');
      // and the checks above would see a mistake
      writeFileSync(join(dir, 'bpay@2.service'), unit!.replace('Restart=on-failure', 'Restrat=on-failure'));
      expect(spawnSync(ANALYZE, ['verify', '--man=no', join(dir, 'bpay@2.service')], { encoding: 'utf8' }).stderr).toMatch(/Unknown key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
