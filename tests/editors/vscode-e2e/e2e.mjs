// End to end in a real VS Code: installs the packaged extension into code-server (VS Code 1.100),
// opens a two-folder workspace in headless Chromium (a copy of the demo, and before it another copy
// whose folder settings turn `missing-section` off), and asserts from the page what a user sees:
// the status bar item with both folders indexed, the Problems count of demo/runbooks/broken.md (the
// same findings as `runbook-ls check`), a squiggle's message, a KEY hover, a completion item, the
// output that a click on the status bar item opens, and the other folder's count under its own
// settings. Screenshots go to OUT_DIR for the record.
//
// Environment: VSIX (the .vsix to install), RUNBOOK_LS_BIN (the server, set as
// runbook-ls.server.path), CODE_SERVER_ENTRY (from vscode-here.sh), CHROMIUM (default
// /usr/bin/chromium), OUT_DIR (screenshots and logs). `run-vscode-e2e.sh` sets them all.
//
// Every step waits for a condition on the page, never for a fixed time: code-server, the
// extension host and the server start slowly on a loaded 2-core machine.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const repository = path.resolve(here, '..', '..', '..');
const STEP_TIMEOUT = 180_000;

function required(name) {
    const value = process.env[name];
    if (value === undefined || value === '') {
        fail(`${name} is not set (run tests/editors/run-vscode-e2e.sh)`);
    }
    return value;
}

function fail(message) {
    throw new Error(message);
}

const vsix = path.resolve(required('VSIX'));
const server = path.resolve(required('RUNBOOK_LS_BIN'));
const entry = required('CODE_SERVER_ENTRY');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const outDir = path.resolve(process.env.OUT_DIR || path.join(repository, 'target', 'vscode-e2e'));

const started = Date.now();
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
const log = (message) => console.log(`vscode-e2e [${seconds()}s] ${message}`);

/** Polls `probe` until it returns a value other than undefined/false; says what it last saw on timeout. */
async function until(what, probe, timeout = STEP_TIMEOUT) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
        try {
            const value = await probe();
            if (value !== undefined && value !== false) {
                return value;
            }
            last = value;
        } catch (error) {
            last = String(error);
        }
        if (Date.now() > deadline) {
            fail(`timed out after ${timeout / 1000}s waiting for ${what}; last seen: ${JSON.stringify(last)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}

function freePort() {
    return new Promise((resolve, reject) => {
        const probe = net.createServer();
        probe.once('error', reject);
        probe.listen(0, '127.0.0.1', () => {
            const { port } = probe.address();
            probe.close(() => resolve(port));
        });
    });
}

function sha256(file) {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** 1-based line and column of the first character after `needle`'s opening backtick in `text`. */
function positionOf(text, needle) {
    const offset = text.indexOf(needle);
    if (offset < 0) {
        fail(`"${needle}" is not in the runbook`);
    }
    const before = text.slice(0, offset + 1);
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return { line, column: column + 1 };
}

/** What `runbook-ls check` finds in the workspace: the truth the editor must show. */
function checkFindings(workspace) {
    const result = spawnSync(server, ['check', workspace, '--format', 'json'], { encoding: 'utf8' });
    if (result.status !== 0 && result.status !== 1) {
        fail(`runbook-ls check exited ${result.status}: ${result.stderr}`);
    }
    return JSON.parse(result.stdout);
}

async function main() {
    fs.mkdirSync(outDir, { recursive: true });
    for (const name of fs.readdirSync(outDir)) {
        fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
    }
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-ls-vscode-e2e-'));
    const workspace = path.join(temp, 'demo');
    // Another copy, whose own folder settings must reach the server for that folder only.
    const quiet = path.join(temp, 'demo-quiet');
    const workspaceFile = path.join(temp, 'runbooks.code-workspace');
    const userData = path.join(temp, 'user-data');
    const extensions = path.join(temp, 'extensions');
    const config = path.join(temp, 'code-server.yaml');
    fs.cpSync(path.join(repository, 'tests', 'fixtures', 'demo'), workspace, { recursive: true });
    fs.cpSync(path.join(repository, 'tests', 'fixtures', 'demo'), quiet, { recursive: true });
    fs.mkdirSync(path.join(quiet, '.vscode'));
    fs.writeFileSync(path.join(quiet, '.vscode', 'settings.json'), JSON.stringify({ 'runbook-ls.rules': { 'missing-section': 'off' } }));
    // The folder with its own settings comes first: they must not become every folder's
    // settings (`initializationOptions` apply to all folders, so they hold no folder's own).
    fs.writeFileSync(workspaceFile, JSON.stringify({ folders: [{ path: 'demo-quiet' }, { path: 'demo' }] }));
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });

    const findings = checkFindings(workspace).filter((finding) => finding.path === 'runbooks/broken.md');
    const errors = findings.filter((finding) => finding.severity === 'error').length;
    const warnings = findings.filter((finding) => finding.severity === 'warning').length;
    if (findings.length === 0 || errors === 0) {
        fail(`runbook-ls check finds ${findings.length} problems (${errors} errors) in runbooks/broken.md; the demo is meant to be broken`);
    }
    const quietFindings = findings.filter((finding) => finding.code !== 'missing-section');
    if (quietFindings.length === findings.length) {
        fail('runbook-ls check finds no missing-section in broken.md, so demo-quiet\'s setting would change nothing');
    }
    log(`runbook-ls check: ${findings.length} problems in runbooks/broken.md (${errors} errors, ${warnings} warnings), ${quietFindings.length} without missing-section`);

    const install = spawnSync(process.execPath, [entry, '--config', config, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], { encoding: 'utf8' });
    if (install.status !== 0 || !/successfully installed/.test(install.stdout)) {
        fail(`code-server --install-extension ${vsix} failed (exit ${install.status}):\n${install.stdout}\n${install.stderr}`);
    }
    const installed = fs.readdirSync(extensions).find((name) => name.startsWith('runbook-ls.runbook-ls-'));
    if (installed === undefined) {
        fail(`the extension is not in ${extensions} after the install`);
    }
    // Where the extension looks for a bundled server (`<extensionPath>/server/runbook-ls`).
    const bundled = path.join(extensions, installed, 'server', 'runbook-ls');
    fs.accessSync(bundled, fs.constants.X_OK);
    if (sha256(bundled) !== sha256(server)) {
        fail(`${bundled} is not the server the .vsix was built from (${server})`);
    }
    log(`installed ${path.basename(vsix)} as ${installed}, bundled server executable at server/runbook-ls`);

    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
        'runbook-ls.server.path': server,
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'git.enabled': false,
        'editor.hover.delay': 200,
    }, null, 2));

    const port = await freePort();
    const codeServerLog = fs.openSync(path.join(outDir, 'code-server.log'), 'w');
    // Its own process group, so the extension host and the language server go with it.
    const codeServer = spawn(process.execPath, [entry, '--config', config, '--user-data-dir', userData, '--extensions-dir', extensions,
        '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
        '--disable-workspace-trust', '--disable-getting-started-override', workspaceFile],
    { stdio: ['ignore', codeServerLog, codeServerLog], detached: true });
    let context;
    let page;
    try {
        await until('code-server to answer /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
        log(`code-server listening on 127.0.0.1:${port}`);
        context = await chromium.launchPersistentContext(path.join(temp, 'chromium'), {
            executablePath: chromiumPath,
            headless: true,
            args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
            viewport: { width: 1600, height: 1000 },
        });
        page = context.pages()[0] ?? (await context.newPage());
        page.setDefaultTimeout(STEP_TIMEOUT);
        await page.goto(`http://127.0.0.1:${port}/?workspace=${encodeURIComponent(workspaceFile)}`);
        await page.locator('.monaco-workbench').waitFor();
        log('workbench loaded');

        // The status bar item: the server runs and has indexed both folders.
        const status = page.locator('[id="runbook-ls.runbook-ls.status"]');
        const ready = await until('the runbook-ls status bar item to say both folders are indexed', async () => {
            const label = await status.getAttribute('aria-label', { timeout: 1000 });
            const indexed = /^runbook-ls: ready, indexed (.*)$/.exec(label ?? '')?.[1]?.split('; ') ?? [];
            const folders = ['demo', 'demo-quiet'];
            if (indexed.length === 2 && folders.every((folder) => indexed.some((line) => new RegExp(`^${folder}: \\d+ KEYs, \\d+ runbooks$`).test(line)))) {
                return label;
            }
            throw new Error(`the label is "${label}"`);
        });
        log(`status bar: "${(await status.innerText()).trim()}" (${ready})`);

        // Open the broken runbook of the first folder.
        await openFromExplorer(page, 'demo', 'runbooks/broken.md');
        log('demo/runbooks/broken.md is open');

        // The Problems panel counts exactly what `runbook-ls check` finds.
        await page.keyboard.press('Control+Shift+M');
        const count = await problemCount(page, 'demo', findings.length);
        // VS Code pulls workspace diagnostics, so the status bar counts the runbooks
        // of both folders, open or not: each folder's broken.md with its own settings.
        const quietErrors = quietFindings.filter((finding) => finding.severity === 'error').length;
        const quietWarnings = quietFindings.filter((finding) => finding.severity === 'warning').length;
        const expectedCounts = [errors + quietErrors, warnings + quietWarnings];
        const shownCounts = await until('the status bar to count both folders\' problems', async () => {
            const counts = await statusCounts(page);
            if (counts[0] === expectedCounts[0] && counts[1] === expectedCounts[1]) {
                return counts;
            }
            throw new Error(`the status bar shows ${counts.join('/')} errors/warnings; runbook-ls check finds ${errors}/${warnings} in demo and ${quietErrors}/${quietWarnings} in demo-quiet`);
        });
        log(`Problems panel: broken.md ${count} problems; status bar: ${shownCounts[0]} errors, ${shownCounts[1]} warnings (both folders)`);

        const editor = page.locator('.editor-group-container.active .monaco-editor').first();
        await until('error and warning squiggles in the editor', async () =>
            (await editor.locator('.squiggly-error').count()) > 0 && (await editor.locator('.squiggly-warning').count()) > 0);

        const text = fs.readFileSync(path.join(workspace, 'runbooks', 'broken.md'), 'utf8');
        const hoverAt = async (position, what, expected) => {
            await page.keyboard.press('Escape');
            await page.keyboard.press('Control+G');
            const input = page.locator('.quick-input-widget input');
            await input.waitFor();
            // Ctrl+G opens Quick Open in its go-to-line mode, the `:` prefix; `fill` replaces it too.
            await input.fill(`:${position.line}:${position.column}`);
            await page.keyboard.press('Enter');
            await until(`the cursor at ${position.line}:${position.column}`, async () => {
                const label = await page.locator('[id="status.editor.selection"]').innerText({ timeout: 1000 });
                return label.includes(`Ln ${position.line}, Col ${position.column}`);
            });
            // editor.action.showHover: what the mouse shows, at the cursor.
            await page.keyboard.press('Control+K');
            await page.keyboard.press('Control+I');
            return until(`the hover at ${position.line}:${position.column} to show ${what}`, async () => {
                const hover = await page.locator('.monaco-hover:visible').allInnerTexts();
                const shown = hover.join('\n');
                return expected.every((part) => shown.includes(part)) && shown;
            });
        };

        // A squiggle's message: the unknown KEY, where check puts it.
        const unknownKey = findings.find((finding) => finding.code === 'unknown-key');
        if (unknownKey === undefined) {
            fail('runbook-ls check finds no unknown-key in broken.md');
        }
        const squiggleHover = await hoverAt({ line: unknownKey.line, column: unknownKey.column + 1 }, 'the unknown-key message', [unknownKey.message]);
        log(`squiggle hover at ${unknownKey.line}:${unknownKey.column}: "${squiggleHover.split('\n')[0]}"`);

        // The KEY hover: the manifest's title and description.
        const manifest = JSON.parse(fs.readFileSync(path.join(workspace, 'node-keys', 'webhook-secret-update', 'key.json'), 'utf8'));
        const keyHover = await hoverAt(positionOf(text, '`node-webhook-secret-update`'), 'the KEY hover', [manifest.title, manifest.description]);
        log(`KEY hover: "${keyHover.split('\n').slice(0, 3).join(' | ')}"`);
        await page.screenshot({ path: path.join(outDir, 'hover-and-problems.png') });

        // Completion of a KEY slug in a code span.
        await page.keyboard.press('Escape');
        await page.keyboard.press('Control+End');
        await page.keyboard.press('Enter');
        await page.keyboard.press('Enter');
        await page.keyboard.type('Then run `node-');
        await page.keyboard.press('Control+Space');
        const item = await until('a completion item for node-stripe-webhook-replay', async () => {
            const labels = await page.locator('.suggest-widget .monaco-list-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('aria-label') ?? ''));
            return labels.find((label) => label.includes('node-stripe-webhook-replay'));
        });
        log(`completion item: "${item}"`);
        await page.screenshot({ path: path.join(outDir, 'completion.png') });
        await page.keyboard.press('Escape');

        // A click on the status bar item shows the output, which says where the server came from.
        await status.click();
        const startLine = `Starting ${server} (found via runbook-ls.server.path)`;
        await until('the runbook-ls output to show how the server was started', async () => {
            const lines = await page.locator('[id="workbench.panel.output"] .view-lines').allInnerTexts();
            return lines.join('\n').replace(/\u00a0/g, ' ').includes(startLine);
        });
        log(`the status bar item opens the output: "${startLine}"`);
        await page.screenshot({ path: path.join(outDir, 'output.png') });

        // demo-quiet: its own settings turn missing-section off there, and only there
        // (the first folder's problems stay as they are, whatever the edit above changed).
        const before = await statusCounts(page);
        await openFromExplorer(page, 'demo-quiet', 'runbooks/broken.md');
        await page.keyboard.press('Control+Shift+M');
        const quietCount = await problemCount(page, 'demo-quiet', quietFindings.length);
        // Opening it changes nothing: its problems were pulled with the workspace's.
        const after = await statusCounts(page);
        if (after[0] !== before[0] || after[1] !== before[1]) {
            fail(`opening demo-quiet/runbooks/broken.md changed the status bar from ${before.join('/')} to ${after.join('/')}`);
        }
        log(`demo-quiet/runbooks/broken.md ${quietCount} problems (missing-section off in its own settings); errors/warnings ${before.join('/')} -> ${after.join('/')}`);
        await page.screenshot({ path: path.join(outDir, 'two-folders.png') });
        log(`passed; screenshots in ${path.relative(repository, outDir)}/`);
    } catch (error) {
        if (page !== undefined) {
            await page.screenshot({ path: path.join(outDir, 'failure.png') }).catch(() => {});
        }
        const extensionLog = findFile(path.join(userData, 'logs'), 'runbook-ls.log');
        if (extensionLog !== undefined) {
            fs.copyFileSync(extensionLog, path.join(outDir, 'runbook-ls.log'));
        }
        throw error;
    } finally {
        await context?.close().catch(() => {});
        if (codeServer.exitCode === null) {
            const exited = new Promise((resolve) => codeServer.once('exit', resolve));
            try {
                process.kill(-codeServer.pid, 'SIGTERM');
            } catch {
                // Already gone.
            }
            await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
        }
        fs.closeSync(codeServerLog);
        fs.rmSync(temp, { recursive: true, force: true, maxRetries: 5 });
    }
}

/**
 * Opens `folder/runbooks/broken.md`-like paths from the Explorer, as a user clicks through it:
 * the workspace folder's row, then each folder below it, then the file.
 */
async function openFromExplorer(page, folder, relative) {
    const rows = page.locator('.explorer-folders-view .monaco-list-row');
    const names = [folder, ...relative.split('/')];
    let after = -1;
    for (const [depth, name] of names.entries()) {
        // Rows are positioned by their `data-index`; their order in the DOM is not the tree's.
        const row = await until(`"${name}" in the Explorer under ${names.slice(0, depth).join('/') || 'the workspace'}`, async () => {
            const seen = await rows.evaluateAll((elements) =>
                elements.map((element) => ({
                    index: Number(element.getAttribute('data-index')),
                    label: element.getAttribute('aria-label'),
                    level: Number(element.getAttribute('aria-level')),
                    expanded: element.getAttribute('aria-expanded'),
                })));
            seen.sort((a, b) => a.index - b.index);
            // Only below the folder just opened, once it shows as open.
            if (depth > 0 && seen.find((candidate) => candidate.index === after)?.expanded !== 'true') {
                return undefined;
            }
            for (const candidate of seen.filter((candidate) => candidate.index > after)) {
                if (candidate.level <= depth) {
                    return undefined;
                }
                if (candidate.level === depth + 1 && candidate.label === name) {
                    return candidate;
                }
            }
            return undefined;
        });
        // Folders open on a click; a folder that is open already stays open.
        if (row.expanded !== 'true') {
            await page.locator(`.explorer-folders-view .monaco-list-row[data-index="${row.index}"]`).click();
        }
        after = row.index;
    }
    // The breadcrumbs of the active editor start with the workspace folder, then the path.
    const breadcrumbs = page.locator('.editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item');
    await until(`the editor of ${names.join('/')}`, async () => {
        const shown = (await breadcrumbs.allInnerTexts()).map((text) => text.trim());
        if (names.every((name, at) => shown[at] === name)) {
            return true;
        }
        throw new Error(`the breadcrumbs are ${JSON.stringify(shown)}`);
    });
}

/** The errors and warnings the status bar counts. */
async function statusCounts(page) {
    const text = await page.locator('[id="status.problems"]').innerText();
    return (text.match(/\d+/g) ?? []).map(Number).slice(0, 2);
}

/** Waits until the Problems panel counts `expected` problems for `broken.md` of `folder`. */
async function problemCount(page, folder, expected) {
    return until(`the Problems panel to count ${expected} problems for ${folder}/runbooks/broken.md`, async () => {
        // The panel's list is virtual: only the rows in view are in the page, and the other
        // folder's broken.md, expanded above this one, can push it out of view (the order of
        // the two files depends on which report came first). Collapsed, each file is one row.
        const collapseAll = page.locator('.part.panel .action-label[aria-label^="Collapse All"]');
        if (await collapseAll.count() > 0) {
            await collapseAll.first().click();
        }
        const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((elements) =>
            elements.map((row) => ({ label: row.getAttribute('aria-label') ?? '', text: row.textContent ?? '', badge: row.querySelector('.monaco-count-badge')?.textContent?.trim() })));
        const row = rows.find((candidate) => candidate.text.startsWith('broken.md') && candidate.text.includes(folder === 'demo' ? 'demo' : folder) && !(folder === 'demo' && candidate.text.includes('demo-quiet')));
        if (row?.badge !== String(expected)) {
            // What the panel shows, for the timeout message.
            throw new Error(JSON.stringify(rows.filter((candidate) => candidate.badge !== undefined)));
        }
        return row.badge;
    });
}

function findFile(dir, name) {
    if (!fs.existsSync(dir)) {
        return undefined;
    }
    for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
        if (entry.isFile() && entry.name === name) {
            return path.join(entry.parentPath ?? entry.path, entry.name);
        }
    }
    return undefined;
}

main().then(
    () => {
        console.log(`vscode-e2e: OK in ${seconds()}s`);
    },
    (error) => {
        console.error(`vscode-e2e: FAIL after ${seconds()}s: ${error.message}`);
        console.error(`vscode-e2e: screenshot and logs in ${outDir}`);
        process.exitCode = 1;
    },
);
