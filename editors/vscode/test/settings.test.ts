// What the server receives from VS Code's settings, and that package.json declares them.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { configurationItem, type Inspected, isServerSettingChange, RULE_CODES, SERVER_KEYS, serverSettingsFrom, SEVERITIES } from '../src/settings';

function inspections(values: Record<string, Inspected<unknown>>) {
    return (key: string) => values[key] ?? {};
}

describe('serverSettingsFrom', () => {
    it('sends nothing the user did not set, so runbook-ls.toml stays in charge', () => {
        assert.deepEqual(serverSettingsFrom(inspections({})), {});
    });

    it('takes the most specific scope', () => {
        const settings = serverSettingsFrom(inspections({
            runbooks: { globalValue: ['a/*.md'], workspaceValue: ['b/*.md'] },
            'key-roots': { globalValue: [{ path: 'keys', prefix: 'node' }] },
        }));
        assert.deepEqual(settings, { runbooks: ['b/*.md'], 'key-roots': [{ path: 'keys', prefix: 'node' }] });
    });

    it('merges rules rule by rule across scopes', () => {
        const settings = serverSettingsFrom(inspections({
            rules: {
                globalValue: { 'missing-rollback': 'error', 'unknown-key': 'hint' },
                workspaceFolderValue: { 'unknown-key': 'off' },
            },
        }));
        assert.deepEqual(settings, { rules: { 'missing-rollback': 'error', 'unknown-key': 'off' } });
    });

    it('keeps an explicitly empty list, which replaces the default', () => {
        assert.deepEqual(serverSettingsFrom(inspections({ runbooks: { workspaceValue: [] } })), { runbooks: [] });
    });
});

describe('configurationItem', () => {
    const settings = { rules: { 'missing-rollback': 'error' } };
    it('answers the runbook-ls section and its sub-sections, and nothing else', () => {
        assert.deepEqual(configurationItem('runbook-ls', settings), settings);
        assert.deepEqual(configurationItem('runbook-ls.rules', settings), { 'missing-rollback': 'error' });
        assert.equal(configurationItem('runbook-ls.runbooks', settings), null);
        assert.equal(configurationItem('editor', settings), undefined);
        assert.equal(configurationItem(undefined, settings), undefined);
    });
});

describe('isServerSettingChange', () => {
    it('ignores client-only settings', () => {
        assert.equal(isServerSettingChange((s) => s === 'runbook-ls.trace.server'), false);
        assert.equal(isServerSettingChange((s) => s === 'runbook-ls.rules'), true);
    });
});

describe('package.json contributes.configuration', () => {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const properties = pkg.contributes.configuration.properties as Record<string, any>;

    it('declares exactly the server keys plus server.path and trace.server', () => {
        assert.deepEqual(
            Object.keys(properties).sort(),
            [...SERVER_KEYS.map((key) => `runbook-ls.${key}`), 'runbook-ls.server.path', 'runbook-ls.trace.server'].sort(),
        );
    });

    it('declares one rules property per diagnostic code, each an enum of the severities', () => {
        const rules = properties['runbook-ls.rules'];
        assert.equal(rules.type, 'object');
        assert.equal(rules.additionalProperties, false);
        assert.deepEqual(Object.keys(rules.properties).sort(), [...RULE_CODES].sort());
        for (const code of RULE_CODES) {
            assert.deepEqual(rules.properties[code].enum, [...SEVERITIES], code);
        }
    });

    it('documents the server defaults', () => {
        assert.deepEqual(properties['runbook-ls.runbooks'].default, ['runbook-keys/*/README.md']);
        assert.deepEqual(properties['runbook-ls.key-roots'].default, []);
        assert.deepEqual(properties['runbook-ls.key-roots'].items.required, ['path', 'prefix']);
        assert.deepEqual(Object.keys(properties['runbook-ls.key-roots'].items.properties), ['path', 'prefix', 'import']);
        assert.deepEqual(properties['runbook-ls.trace.server'].enum, ['off', 'messages', 'verbose']);
    });

    it('activates only in workspaces with a key root or runbook-ls.toml, and on its commands', () => {
        // Not `onLanguage:markdown`: that would start a server for every markdown file anywhere.
        assert.deepEqual(pkg.activationEvents, [
            'workspaceContains:runbook-ls.toml',
            'workspaceContains:node-keys',
            'workspaceContains:next-keys',
            'workspaceContains:jupyter-keys',
        ]);
        // Since VS Code 1.74 a contributed command activates the extension by itself.
        assert.ok(Number(/^\^1\.(\d+)\./.exec(pkg.engines.vscode)?.[1]) >= 74, pkg.engines.vscode);
        assert.deepEqual(pkg.contributes.commands.map((c: { command: string }) => c.command), ['runbook-ls.restartServer', 'runbook-ls.showOutput']);
    });

    it('validates key.json and pack.json with the schemas the build copies from editors/schemas', () => {
        const validations = pkg.contributes.jsonValidation as { fileMatch: string | string[]; url: string }[];
        assert.deepEqual(validations.map((v) => v.url), ['./schemas/key.schema.json', './schemas/pack.schema.json']);
        assert.deepEqual(validations[0]?.fileMatch, ['**/node-keys/*/key.json', '**/next-keys/*/key.json', '**/jupyter-keys/*/key.json']);
        for (const { url } of validations) {
            const copy = readFileSync(path.join(__dirname, '..', '..', url), 'utf8');
            const source = readFileSync(path.join(__dirname, '..', '..', '..', 'schemas', path.basename(url)), 'utf8');
            assert.equal(copy, source, `${url} is not a fresh copy: run \`npm run build\``);
        }
    });
});
