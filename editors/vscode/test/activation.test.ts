// Loads the bundled dist/extension.js against a stub `vscode` module and checks the one thing
// that needs no running VS Code: with no server binary anywhere, activation shows exactly one
// error that says what was tried and how to fix it, turns the status bar item red with the same
// words (a click shows the output), and starts no client.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';

interface Recorded {
    errors: string[];
    commands: string[];
    logged: string[];
    statusItems: Record<string, unknown>[];
}

/**
 * vscode-languageclient subclasses and reads many `vscode` members while loading; whatever the
 * stub does not define is an empty class, which is enough as long as activation never calls it.
 */
function withEmptyClasses<T extends object>(members: T): T {
    return new Proxy(members, {
        get: (target, property) => (property in target ? (target as Record<PropertyKey, unknown>)[property] : class {}),
    });
}

function stubVscode(settings: Record<string, unknown>, recorded: Recorded): unknown {
    const disposable = { dispose() {} };
    return withEmptyClasses({
        window: {
            createOutputChannel: () => ({
                info: (line: string) => recorded.logged.push(line),
                warn: (line: string) => recorded.logged.push(line),
                error: (line: string) => recorded.logged.push(line),
                show() {},
                dispose() {},
            }),
            createStatusBarItem: (id: string) => {
                const item: Record<string, unknown> = { id, show() { item.shown = true; }, dispose() {} };
                recorded.statusItems.push(item);
                return item;
            },
            showErrorMessage: async (message: string) => {
                recorded.errors.push(message);
                return undefined;
            },
        },
        commands: {
            registerCommand: (name: string) => {
                recorded.commands.push(name);
                return disposable;
            },
            executeCommand: async () => undefined,
        },
        workspace: {
            workspaceFolders: undefined,
            onDidChangeConfiguration: () => disposable,
            onDidChangeWorkspaceFolders: () => disposable,
            getConfiguration: () => ({
                get: (key: string) => settings[key],
                inspect: () => ({}),
            }),
        },
        Uri: { parse: (value: string) => ({ toString: () => value }) },
        StatusBarAlignment: { Left: 1, Right: 2 },
        ThemeColor: class {
            constructor(readonly id: string) {}
        },
    });
}

it('activation without any server binary shows one actionable error', async () => {
    const bundle = path.join(__dirname, '..', '..', 'dist', 'extension.js');
    assert.ok(fs.existsSync(bundle), `${bundle} is missing: run \`npm run build\` first`);
    const recorded: Recorded = { errors: [], commands: [], logged: [], statusItems: [] };
    const vscode = stubVscode({ 'server.path': '' }, recorded);

    const moduleWithLoad = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
    const originalLoad = moduleWithLoad._load;
    moduleWithLoad._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? vscode : originalLoad(request, ...rest));
    const originalPath = process.env.PATH;
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-ls-empty-'));
    process.env.PATH = emptyDir;
    try {
        const extension = require(bundle) as { activate: (context: unknown) => Promise<void> };
        await extension.activate({ extensionPath: emptyDir, subscriptions: [] });
    } finally {
        moduleWithLoad._load = originalLoad;
        process.env.PATH = originalPath;
    }

    assert.deepEqual(recorded.commands, ['runbook-ls.restartServer', 'runbook-ls.showOutput']);
    assert.equal(recorded.errors.length, 1, `expected one error, got ${JSON.stringify(recorded.errors)}`);
    assert.match(recorded.errors[0] ?? '', /^runbook-ls server not found: tried the bundled binary ".*server\/runbook-ls" and "runbook-ls" on PATH \(1 folder\)\. .*set "runbook-ls\.server\.path"/);
    assert.ok(recorded.logged.some((line) => line.startsWith('Tried:')), 'the output channel lists every path tried');

    assert.equal(recorded.statusItems.length, 1);
    const item = recorded.statusItems[0] ?? {};
    assert.equal(item.id, 'status');
    assert.equal(item.shown, true);
    assert.equal(item.text, '$(error) runbook-ls');
    assert.equal(item.command, 'runbook-ls.showOutput');
    assert.equal(item.tooltip, `${recorded.errors[0]}\n\nClick to show the output.`);
    assert.equal((item.backgroundColor as { id?: string } | undefined)?.id, 'statusBarItem.errorBackground');
});
