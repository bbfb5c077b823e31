// The status bar item: server state and index progress, as the user reads them.

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ServerStatus } from '../src/status';

const TITLE = 'Indexing KEYs and runbooks';

describe('ServerStatus', () => {
    it('spins while the server starts, then shows a check when it runs', () => {
        const status = new ServerStatus();
        status.starting('/usr/bin/runbook-ls');
        assert.equal(status.view().text, '$(sync~spin) runbook-ls');
        assert.match(status.view().tooltip, /^Starting \/usr\/bin\/runbook-ls…\n\nClick to show the output\.$/);
        status.running('0.1.0');
        assert.deepEqual(status.view(), {
            text: '$(check) runbook-ls',
            tooltip: 'runbook-ls 0.1.0 is running.\n\nClick to show the output.',
            accessibilityLabel: 'runbook-ls: ready',
        });
    });

    it('shows the index progress the server reports, per folder, and what each index found', () => {
        const status = new ServerStatus();
        status.starting('/usr/bin/runbook-ls');
        status.running('0.1.0');
        status.progress('runbook-ls/index/demo/1', { kind: 'begin', title: TITLE, message: 'demo' });
        assert.equal(status.view().text, '$(sync~spin) runbook-ls: indexing');
        assert.equal(status.view().accessibilityLabel, 'runbook-ls: Indexing KEYs and runbooks: demo');
        status.progress('runbook-ls/index/other/1', { kind: 'begin', title: TITLE, message: 'other' });
        assert.match(status.view().tooltip, /Indexing KEYs and runbooks: demo\nIndexing KEYs and runbooks: other/);
        status.progress('runbook-ls/index/demo/1', { kind: 'end', message: '3 KEYs, 2 runbooks' });
        assert.equal(status.view().text, '$(sync~spin) runbook-ls: indexing', 'one folder is still indexing');
        status.progress('runbook-ls/index/other/1', { kind: 'end', message: '0 KEYs, 1 runbooks' });
        assert.deepEqual(status.view(), {
            text: '$(check) runbook-ls',
            tooltip: 'runbook-ls 0.1.0 is running.\nIndexed:\ndemo: 3 KEYs, 2 runbooks\nother: 0 KEYs, 1 runbooks\n\nClick to show the output.',
            accessibilityLabel: 'runbook-ls: ready, indexed demo: 3 KEYs, 2 runbooks; other: 0 KEYs, 1 runbooks',
        });
    });

    it('shows the background parse after an index, and keeps what the index found', () => {
        const status = new ServerStatus();
        status.running('0.1.0');
        status.progress('runbook-ls/index/demo/1', { kind: 'begin', title: TITLE, message: 'demo' });
        status.progress('runbook-ls/index/demo/1', { kind: 'end', message: '3 KEYs, 2 runbooks' });
        status.progress('runbook-ls/parse/demo/1', { kind: 'begin', title: 'Parsing runbooks', message: 'demo' });
        assert.equal(status.view().text, '$(sync~spin) runbook-ls: parsing runbooks');
        assert.equal(status.view().accessibilityLabel, 'runbook-ls: Parsing runbooks: demo');
        status.progress('runbook-ls/index/other/1', { kind: 'begin', title: TITLE, message: 'other' });
        assert.equal(status.view().text, '$(sync~spin) runbook-ls: indexing', 'an index runs beside the parse');
        status.progress('runbook-ls/index/other/1', { kind: 'end', message: '0 KEYs, 1 runbooks' });
        status.progress('runbook-ls/parse/demo/1', { kind: 'end', message: '2 runbooks parsed' });
        assert.equal(
            status.view().accessibilityLabel,
            'runbook-ls: ready, indexed demo: 3 KEYs, 2 runbooks; other: 0 KEYs, 1 runbooks',
        );
    });

    it('shows a percentage when the one running task reports one', () => {
        const status = new ServerStatus();
        status.running();
        status.progress(7, { kind: 'begin', title: TITLE, message: 'demo', percentage: 0 });
        status.progress(7, { kind: 'report', percentage: 42.4 });
        assert.equal(status.view().text, '$(sync~spin) runbook-ls: indexing 42%');
    });

    it('ignores reports for tokens it never saw begin', () => {
        const status = new ServerStatus();
        status.running();
        status.progress('x', { kind: 'report', message: 'half' });
        status.progress('x', { kind: 'end', message: 'done' });
        assert.equal(status.view().text, '$(check) runbook-ls');
    });

    it('turns red with the reason when the server fails, and forgets the index in progress', () => {
        const status = new ServerStatus();
        status.running();
        status.progress('t', { kind: 'begin', title: TITLE, message: 'demo' });
        status.failed('runbook-ls server not found: tried PATH.');
        assert.deepEqual(status.view(), {
            text: '$(error) runbook-ls',
            tooltip: 'runbook-ls server not found: tried PATH.\n\nClick to show the output.',
            accessibilityLabel: 'runbook-ls: failed. runbook-ls server not found: tried PATH.',
            alert: 'error',
        });
        status.starting('/usr/bin/runbook-ls');
        status.running();
        assert.equal(status.view().text, '$(check) runbook-ls');
    });

    it('says how to start a stopped server', () => {
        const status = new ServerStatus();
        status.running();
        status.stopped();
        assert.equal(status.view().text, '$(circle-slash) runbook-ls');
        assert.match(status.view().tooltip, /Run "runbook-ls: Restart Server" to start it/);
        assert.equal(status.view().alert, 'warning');
    });
});
