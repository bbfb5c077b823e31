// Finds the runbook-ls executable. This module must not import `vscode`: it is unit-tested
// under plain Node with a fake file system and Windows-style inputs on any host.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Name of the setting that points at the server binary. */
export const SERVER_PATH_SETTING = 'runbook-ls.server.path';

export type FileKind = 'missing' | 'directory' | 'file' | 'executable';

/** The only file-system question the resolution asks, so tests can answer it. */
export interface FileProbe {
    kind(filePath: string): FileKind;
}

export interface ResolveInput {
    /** Value of `runbook-ls.server.path`; empty or whitespace means "not set". */
    setting: string | null | undefined;
    /** The extension's install folder (`ExtensionContext.extensionPath`). */
    extensionPath: string;
    /** `process.platform` of the machine the server will run on. */
    platform: string;
    /** Environment to read `PATH` / `PATHEXT` from (keys compared case-insensitively on Windows). */
    env: Record<string, string | undefined>;
    /** First workspace folder, to resolve a relative setting; undefined without a workspace. */
    workspaceFolder?: string;
    /** Home directory, to expand `~` in the setting. */
    homeDir?: string;
    fileProbe?: FileProbe;
}

export type Resolution =
    | { ok: true; path: string; source: 'setting' | 'bundled' | 'path' }
    | { ok: false; message: string; tried: string[] };

/** Default PATHEXT when the environment has none, as cmd.exe assumes. */
const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

export function resolveServerPath(input: ResolveInput): Resolution {
    const isWindows = input.platform === 'win32';
    const p = isWindows ? path.win32 : path.posix;
    const probe = input.fileProbe ?? nodeFileProbe(isWindows);
    const setting = (input.setting ?? '').trim();

    // An explicit setting is the user's decision: if it is wrong we say so instead of
    // silently running some other binary they did not ask for.
    if (setting !== '') {
        const expanded = expandSetting(setting, input, p);
        const candidates = isWindows && p.extname(expanded) === ''
            ? [expanded, ...windowsExtensions(input.env).map((ext) => expanded + ext)]
            : [expanded];
        for (const candidate of candidates) {
            const kind = probe.kind(candidate);
            if (kind === 'executable') {
                return { ok: true, path: candidate, source: 'setting' };
            }
            if (kind === 'file') {
                return {
                    ok: false,
                    tried: [candidate],
                    message: `${SERVER_PATH_SETTING} points at "${candidate}", which is not executable: run \`chmod +x ${candidate}\` or point the setting at the runbook-ls binary.`,
                };
            }
            if (kind === 'directory') {
                return {
                    ok: false,
                    tried: [candidate],
                    message: `${SERVER_PATH_SETTING} points at the folder "${candidate}": set it to the runbook-ls executable itself, e.g. "${p.join(candidate, executableName(isWindows))}".`,
                };
            }
        }
        return {
            ok: false,
            tried: candidates,
            message: `${SERVER_PATH_SETTING} is set to "${setting}", but no file exists at "${expanded}": fix the path, or clear the setting to use the bundled binary or the one on PATH.`,
        };
    }

    const tried: string[] = [];
    const bundled = p.join(input.extensionPath, 'server', executableName(isWindows));
    tried.push(bundled);
    if (probe.kind(bundled) === 'executable') {
        return { ok: true, path: bundled, source: 'bundled' };
    }

    const onPath = findOnPath('runbook-ls', input.env, isWindows, probe);
    if (onPath.found !== undefined) {
        return { ok: true, path: onPath.found, source: 'path' };
    }
    const pathDescription = onPath.dirs.length === 0
        ? 'PATH (which is empty)'
        : `PATH (${onPath.dirs.length} folder${onPath.dirs.length === 1 ? '' : 's'})`;
    return {
        ok: false,
        tried: [...tried, ...onPath.tried],
        message: `runbook-ls server not found: tried the bundled binary "${bundled}" and "runbook-ls" on ${pathDescription}. Install runbook-ls on PATH, or set "${SERVER_PATH_SETTING}" to the full path of the binary.`,
    };
}

export function executableName(isWindows: boolean): string {
    return isWindows ? 'runbook-ls.exe' : 'runbook-ls';
}

/** Looks `command` up like a shell would: each PATH folder in order, with PATHEXT on Windows. */
export function findOnPath(
    command: string,
    env: Record<string, string | undefined>,
    isWindows: boolean,
    probe: FileProbe,
): { found?: string; tried: string[]; dirs: string[] } {
    const p = isWindows ? path.win32 : path.posix;
    const rawPath = envValue(env, 'PATH', isWindows) ?? '';
    const dirs = rawPath
        .split(isWindows ? ';' : ':')
        .map((dir) => (isWindows ? dir.trim().replace(/^"(.*)"$/, '$1') : dir))
        .filter((dir) => dir !== '');
    // On Windows a name that already has one of the PATHEXT extensions is tried as is;
    // otherwise each extension is appended in PATHEXT order, as cmd.exe does.
    const extensions = isWindows ? windowsExtensions(env) : [''];
    const names = isWindows && extensions.some((ext) => command.toLowerCase().endsWith(ext.toLowerCase()))
        ? [command]
        : extensions.map((ext) => command + ext);
    const tried: string[] = [];
    for (const dir of dirs) {
        for (const name of names) {
            const candidate = p.join(dir, name);
            tried.push(candidate);
            if (probe.kind(candidate) === 'executable') {
                return { found: candidate, tried, dirs };
            }
        }
    }
    return { tried, dirs };
}

function windowsExtensions(env: Record<string, string | undefined>): string[] {
    const raw = envValue(env, 'PATHEXT', true) ?? DEFAULT_PATHEXT;
    const extensions = raw.split(';').map((ext) => ext.trim()).filter((ext) => ext.startsWith('.'));
    return extensions.length > 0 ? extensions : DEFAULT_PATHEXT.split(';');
}

/** Windows environment variable names are case-insensitive (`Path` is common). */
function envValue(env: Record<string, string | undefined>, name: string, isWindows: boolean): string | undefined {
    if (!isWindows) {
        return env[name];
    }
    const key = Object.keys(env).find((k) => k.toUpperCase() === name);
    return key === undefined ? undefined : env[key];
}

function expandSetting(setting: string, input: ResolveInput, p: path.PlatformPath): string {
    let expanded = setting;
    if (input.workspaceFolder !== undefined) {
        expanded = expanded.replace(/\$\{workspaceFolder\}/g, input.workspaceFolder);
    }
    if (input.homeDir !== undefined) {
        expanded = expanded.replace(/\$\{userHome\}/g, input.homeDir);
        if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith('~\\')) {
            expanded = input.homeDir + expanded.slice(1);
        }
    }
    if (!p.isAbsolute(expanded) && input.workspaceFolder !== undefined) {
        expanded = p.join(input.workspaceFolder, expanded);
    }
    return p.normalize(expanded);
}

/** The real file system. On Windows any regular file may be run; elsewhere it needs an x bit. */
export function nodeFileProbe(isWindows: boolean): FileProbe {
    return {
        kind(filePath: string): FileKind {
            let stat: fs.Stats;
            try {
                stat = fs.statSync(filePath);
            } catch {
                return 'missing';
            }
            if (stat.isDirectory()) {
                return 'directory';
            }
            if (!stat.isFile()) {
                return 'missing';
            }
            if (isWindows) {
                return 'executable';
            }
            try {
                fs.accessSync(filePath, fs.constants.X_OK);
                return 'executable';
            } catch {
                return 'file';
            }
        },
    };
}
