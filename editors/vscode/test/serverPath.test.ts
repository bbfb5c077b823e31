// Server binary resolution: setting, then bundled binary, then PATH, with the errors a user sees.

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { chooseServerPathSetting, type FileKind, type FileProbe, resolveServerPath, type ResolveInput } from '../src/serverPath';

/** A file system holding exactly `files` (path -> kind); everything else is missing. */
function fakeFiles(files: Record<string, FileKind>): FileProbe & { asked: string[] } {
    const asked: string[] = [];
    return {
        asked,
        kind(filePath: string): FileKind {
            asked.push(filePath);
            return files[filePath] ?? 'missing';
        },
    };
}

function posix(overrides: Partial<ResolveInput>): ResolveInput {
    return {
        setting: '',
        extensionPath: '/ext/runbook-ls',
        platform: 'linux',
        env: { PATH: '/usr/local/bin:/usr/bin' },
        workspaceFolders: [{ name: 'repo', path: '/work/repo' }],
        homeDir: '/home/me',
        ...overrides,
    };
}

function windows(overrides: Partial<ResolveInput>): ResolveInput {
    return {
        setting: '',
        extensionPath: 'C:\\Users\\me\\.vscode\\extensions\\runbook-ls',
        platform: 'win32',
        env: { Path: 'C:\\Windows\\system32;C:\\tools', PATHEXT: '.COM;.EXE;.BAT;.CMD' },
        workspaceFolders: [{ name: 'repo', path: 'D:\\repo' }],
        homeDir: 'C:\\Users\\me',
        ...overrides,
    };
}

describe('the runbook-ls.server.path setting', () => {
    it('wins over a bundled binary and PATH', () => {
        const fileProbe = fakeFiles({
            '/opt/runbook-ls/bin/runbook-ls': 'executable',
            '/ext/runbook-ls/server/runbook-ls': 'executable',
            '/usr/bin/runbook-ls': 'executable',
        });
        const result = resolveServerPath(posix({ setting: '/opt/runbook-ls/bin/runbook-ls', fileProbe }));
        assert.deepEqual(result, { ok: true, path: '/opt/runbook-ls/bin/runbook-ls', source: 'setting' });
    });

    it('pointing at a missing file is an error that names the setting and the path, without falling back', () => {
        const fileProbe = fakeFiles({ '/usr/bin/runbook-ls': 'executable' });
        const result = resolveServerPath(posix({ setting: '/nope/runbook-ls', fileProbe }));
        assert.equal(result.ok, false);
        if (!result.ok) {
            assert.match(result.message, /runbook-ls\.server\.path/);
            assert.match(result.message, /no file exists at "\/nope\/runbook-ls"/);
            assert.match(result.message, /clear the setting/);
            assert.deepEqual(result.tried, ['/nope/runbook-ls']);
        }
        assert.deepEqual(fileProbe.asked, ['/nope/runbook-ls']);
    });

    it('pointing at a file without the execute bit says how to fix it', () => {
        const fileProbe = fakeFiles({ '/opt/runbook-ls': 'file' });
        const result = resolveServerPath(posix({ setting: '/opt/runbook-ls', fileProbe }));
        assert.equal(result.ok, false);
        assert.match(!result.ok ? result.message : '', /not executable: run `chmod \+x \/opt\/runbook-ls`/);
    });

    it('pointing at a folder suggests the binary inside it', () => {
        const fileProbe = fakeFiles({ '/opt/runbook-ls': 'directory' });
        const result = resolveServerPath(posix({ setting: '/opt/runbook-ls', fileProbe }));
        assert.equal(result.ok, false);
        assert.match(!result.ok ? result.message : '', /"\/opt\/runbook-ls\/runbook-ls"/);
    });

    it('expands ~ and ${workspaceFolder}, and takes a relative path from the workspace folder', () => {
        const fileProbe = fakeFiles({
            '/home/me/.cargo/bin/runbook-ls': 'executable',
            '/work/repo/target/release/runbook-ls': 'executable',
        });
        assert.deepEqual(resolveServerPath(posix({ setting: '~/.cargo/bin/runbook-ls', fileProbe })), {
            ok: true, path: '/home/me/.cargo/bin/runbook-ls', source: 'setting',
        });
        assert.deepEqual(resolveServerPath(posix({ setting: '${workspaceFolder}/target/release/runbook-ls', fileProbe })), {
            ok: true, path: '/work/repo/target/release/runbook-ls', source: 'setting',
        });
        assert.deepEqual(resolveServerPath(posix({ setting: 'target/release/runbook-ls', fileProbe })), {
            ok: true, path: '/work/repo/target/release/runbook-ls', source: 'setting',
        });
    });

    it('on Windows, finds the .exe when the setting leaves the extension out', () => {
        const fileProbe = fakeFiles({ 'C:\\bin\\runbook-ls.EXE': 'executable' });
        const result = resolveServerPath(windows({ setting: 'C:\\bin\\runbook-ls', fileProbe }));
        assert.deepEqual(result, { ok: true, path: 'C:\\bin\\runbook-ls.EXE', source: 'setting' });
    });

    it('whitespace only counts as not set', () => {
        const fileProbe = fakeFiles({ '/usr/bin/runbook-ls': 'executable' });
        const result = resolveServerPath(posix({ setting: '   ', fileProbe }));
        assert.deepEqual(result, { ok: true, path: '/usr/bin/runbook-ls', source: 'path' });
    });
});

describe('the setting in a multi-root workspace', () => {
    const folders = [
        { name: 'runbooks', path: '/work/runbooks' },
        { name: 'runbook-ls', path: '/src/runbook-ls' },
    ];

    it('tries a relative path in each folder in order and takes the first binary found', () => {
        const fileProbe = fakeFiles({ '/src/runbook-ls/target/release/runbook-ls': 'executable' });
        const result = resolveServerPath(posix({ setting: 'target/release/runbook-ls', workspaceFolders: folders, fileProbe }));
        assert.deepEqual(result, { ok: true, path: '/src/runbook-ls/target/release/runbook-ls', source: 'setting' });
        assert.deepEqual(fileProbe.asked, ['/work/runbooks/target/release/runbook-ls', '/src/runbook-ls/target/release/runbook-ls']);
    });

    it('expands ${workspaceFolder} in each folder, and ${workspaceFolder:name} in the named one', () => {
        const fileProbe = fakeFiles({ '/src/runbook-ls/bin/runbook-ls': 'executable', '/work/runbooks/bin/runbook-ls': 'executable' });
        assert.deepEqual(resolveServerPath(posix({ setting: '${workspaceFolder}/bin/runbook-ls', workspaceFolders: folders, fileProbe })), {
            ok: true, path: '/work/runbooks/bin/runbook-ls', source: 'setting',
        });
        assert.deepEqual(resolveServerPath(posix({ setting: '${workspaceFolder:runbook-ls}/bin/runbook-ls', workspaceFolders: folders, fileProbe })), {
            ok: true, path: '/src/runbook-ls/bin/runbook-ls', source: 'setting',
        });
    });

    it('resolves a value from a folder\'s own settings in that folder only', () => {
        const fileProbe = fakeFiles({ '/work/runbooks/bin/runbook-ls': 'executable', '/src/runbook-ls/bin/runbook-ls': 'executable' });
        const result = resolveServerPath(posix({ setting: 'bin/runbook-ls', workspaceFolders: folders, settingFolder: folders[1], fileProbe }));
        assert.deepEqual(result, { ok: true, path: '/src/runbook-ls/bin/runbook-ls', source: 'setting' });
    });

    it('names every place it looked when no folder has the binary', () => {
        const result = resolveServerPath(posix({ setting: 'bin/runbook-ls', workspaceFolders: folders, fileProbe: fakeFiles({}) }));
        assert.equal(result.ok, false);
        if (!result.ok) {
            assert.match(result.message, /no file exists at "\/work\/runbooks\/bin\/runbook-ls" or "\/src\/runbook-ls\/bin\/runbook-ls"/);
            assert.deepEqual(result.tried, ['/work/runbooks/bin/runbook-ls', '/src/runbook-ls/bin/runbook-ls']);
        }
    });

    it('reports an unknown folder name in ${workspaceFolder:name} with the names there are', () => {
        const result = resolveServerPath(posix({ setting: '${workspaceFolder:tools}/runbook-ls', workspaceFolders: folders, fileProbe: fakeFiles({}) }));
        assert.match(!result.ok ? result.message : '', /no workspace folder is named "tools" \(the folders are "runbooks", "runbook-ls"\)/);
    });

    it('asks for an absolute path when a relative one has no folder to be relative to', () => {
        const result = resolveServerPath(posix({ setting: 'bin/runbook-ls', workspaceFolders: [], fileProbe: fakeFiles({}) }));
        assert.match(!result.ok ? result.message : '', /no folder is open: use an absolute path/);
    });
});

describe('chooseServerPathSetting', () => {
    const runbooks = { name: 'runbooks', path: '/work/runbooks' };
    const tools = { name: 'tools', path: '/work/tools' };

    it('takes the first folder whose own settings set the path, relative to that folder', () => {
        const choice = chooseServerPathSetting('/usr/local/bin/runbook-ls', [
            { folder: runbooks, effective: '/usr/local/bin/runbook-ls', folderValue: undefined },
            { folder: tools, effective: 'bin/runbook-ls', folderValue: 'bin/runbook-ls' },
        ]);
        assert.deepEqual(choice, { setting: 'bin/runbook-ls', settingFolder: tools });
    });

    it('falls back to the user or workspace value, for every folder', () => {
        const choice = chooseServerPathSetting('bin/runbook-ls', [
            { folder: runbooks, effective: 'bin/runbook-ls', folderValue: undefined },
            { folder: tools, effective: 'bin/runbook-ls', folderValue: '' },
        ]);
        assert.deepEqual(choice, { setting: 'bin/runbook-ls' });
    });

    it('ignores a folder value that workspace trust keeps out of effect', () => {
        // In a restricted workspace `get` returns the user value although the folder file sets another.
        const choice = chooseServerPathSetting('', [{ folder: runbooks, effective: '', folderValue: './evil' }]);
        assert.deepEqual(choice, { setting: '' });
    });
});

describe('without the setting', () => {
    it('uses the binary bundled in the extension before PATH', () => {
        const fileProbe = fakeFiles({
            '/ext/runbook-ls/server/runbook-ls': 'executable',
            '/usr/bin/runbook-ls': 'executable',
        });
        assert.deepEqual(resolveServerPath(posix({ fileProbe })), {
            ok: true, path: '/ext/runbook-ls/server/runbook-ls', source: 'bundled',
        });
    });

    it('uses server/runbook-ls.exe as the bundled binary on Windows', () => {
        const bundled = 'C:\\Users\\me\\.vscode\\extensions\\runbook-ls\\server\\runbook-ls.exe';
        const fileProbe = fakeFiles({ [bundled]: 'executable', 'C:\\tools\\runbook-ls.exe': 'executable' });
        assert.deepEqual(resolveServerPath(windows({ fileProbe })), { ok: true, path: bundled, source: 'bundled' });
    });

    it('skips a bundled file that is not executable and looks on PATH', () => {
        const fileProbe = fakeFiles({
            '/ext/runbook-ls/server/runbook-ls': 'file',
            '/usr/bin/runbook-ls': 'executable',
        });
        assert.deepEqual(resolveServerPath(posix({ fileProbe })), { ok: true, path: '/usr/bin/runbook-ls', source: 'path' });
    });

    it('looks through PATH in order on POSIX, without adding extensions', () => {
        const fileProbe = fakeFiles({
            '/usr/bin/runbook-ls': 'executable',
            '/usr/local/bin/runbook-ls.exe': 'executable',
        });
        const result = resolveServerPath(posix({ fileProbe }));
        assert.deepEqual(result, { ok: true, path: '/usr/bin/runbook-ls', source: 'path' });
        assert.deepEqual(fileProbe.asked, [
            '/ext/runbook-ls/server/runbook-ls',
            '/usr/local/bin/runbook-ls',
            '/usr/bin/runbook-ls',
        ]);
    });

    it('on Windows, reads Path case-insensitively and tries each PATHEXT extension in order', () => {
        const fileProbe = fakeFiles({ 'C:\\tools\\runbook-ls.EXE': 'executable' });
        const result = resolveServerPath(windows({ fileProbe }));
        assert.deepEqual(result, { ok: true, path: 'C:\\tools\\runbook-ls.EXE', source: 'path' });
        assert.deepEqual(fileProbe.asked.slice(1, 3), ['C:\\Windows\\system32\\runbook-ls.COM', 'C:\\Windows\\system32\\runbook-ls.EXE']);
    });

    it('on Windows without PATHEXT, assumes .COM;.EXE;.BAT;.CMD and strips quotes around PATH entries', () => {
        const fileProbe = fakeFiles({ 'C:\\Program Files\\runbook-ls\\runbook-ls.EXE': 'executable' });
        const result = resolveServerPath(windows({ env: { PATH: '"C:\\Program Files\\runbook-ls"' }, fileProbe }));
        assert.deepEqual(result, { ok: true, path: 'C:\\Program Files\\runbook-ls\\runbook-ls.EXE', source: 'path' });
    });

    it('on Windows, never finds an extensionless file on PATH', () => {
        const fileProbe = fakeFiles({ 'C:\\tools\\runbook-ls': 'executable' });
        const result = resolveServerPath(windows({ fileProbe }));
        assert.equal(result.ok, false);
    });

    it('reports what it tried and how to set the path when nothing is found', () => {
        const fileProbe = fakeFiles({});
        const result = resolveServerPath(posix({ fileProbe }));
        assert.equal(result.ok, false);
        if (!result.ok) {
            assert.equal(
                result.message,
                'runbook-ls server not found: tried the bundled binary "/ext/runbook-ls/server/runbook-ls" and "runbook-ls" on PATH (2 folders). Install runbook-ls on PATH, or set "runbook-ls.server.path" to the full path of the binary.',
            );
            assert.deepEqual(result.tried, [
                '/ext/runbook-ls/server/runbook-ls',
                '/usr/local/bin/runbook-ls',
                '/usr/bin/runbook-ls',
            ]);
        }
    });

    it('says so when PATH is empty', () => {
        const result = resolveServerPath(posix({ env: {}, fileProbe: fakeFiles({}) }));
        assert.match(!result.ok ? result.message : '', /on PATH \(which is empty\)/);
    });
});
