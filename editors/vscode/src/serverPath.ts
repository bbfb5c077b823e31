// Finds the runbook-ls executable. This module must not import `vscode`: it is unit-tested
// under plain Node with a fake file system and Windows-style inputs on any host.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Name of the setting that points at the server binary. */
export const SERVER_PATH_SETTING = 'runbook-ls.server.path';

/** A workspace folder on disk: its name (for `${workspaceFolder:name}`) and path. */
export interface WorkspaceFolderPath {
    name: string;
    path: string;
}

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
    /** The workspace folders on disk, in order: a relative setting or `${workspaceFolder}` is tried in each. */
    workspaceFolders?: readonly WorkspaceFolderPath[];
    /**
     * The folder whose own settings (`.vscode/settings.json`) set the value, if they did: then a
     * relative path and `${workspaceFolder}` mean that folder only.
     */
    settingFolder?: WorkspaceFolderPath;
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
        const expansion = expandSetting(setting, input, p);
        if (!expansion.ok) {
            return { ok: false, tried: [], message: expansion.message };
        }
        const candidates = expansion.paths.flatMap((expanded) =>
            isWindows && p.extname(expanded) === ''
                ? [expanded, ...windowsExtensions(input.env).map((ext) => expanded + ext)]
                : [expanded],
        );
        // Each candidate in order (one per workspace folder for a relative path): the first
        // executable wins; failing that, the first one that exists says what is wrong with it.
        const kinds = candidates.map((candidate) => ({ candidate, kind: probe.kind(candidate) }));
        const executable = kinds.find(({ kind }) => kind === 'executable');
        if (executable !== undefined) {
            return { ok: true, path: executable.candidate, source: 'setting' };
        }
        const existing = kinds.find(({ kind }) => kind !== 'missing');
        if (existing?.kind === 'file') {
            return {
                ok: false,
                tried: candidates,
                message: `${SERVER_PATH_SETTING} points at "${existing.candidate}", which is not executable: run \`chmod +x ${existing.candidate}\` or point the setting at the runbook-ls binary.`,
            };
        }
        if (existing?.kind === 'directory') {
            return {
                ok: false,
                tried: candidates,
                message: `${SERVER_PATH_SETTING} points at the folder "${existing.candidate}": set it to the runbook-ls executable itself, e.g. "${p.join(existing.candidate, executableName(isWindows))}".`,
            };
        }
        const where = expansion.paths.map((candidate) => `"${candidate}"`).join(' or ');
        return {
            ok: false,
            tried: candidates,
            message: `${SERVER_PATH_SETTING} is set to "${setting}", but no file exists at ${where}: fix the path, or clear the setting to use the bundled binary or the one on PATH.`,
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

type Expansion = { ok: true; paths: string[] } | { ok: false; message: string };

/**
 * The paths a setting can mean. `~`, `${userHome}` and `${workspaceFolder:name}` name one place;
 * `${workspaceFolder}` and a relative path mean the folder whose settings set the value, else
 * each workspace folder in order (in a multi-root workspace the binary may live in any of them).
 */
function expandSetting(setting: string, input: ResolveInput, p: path.PlatformPath): Expansion {
    const folders = input.workspaceFolders ?? [];
    let expanded = setting;
    let unknownFolder: string | undefined;
    expanded = expanded.replace(/\$\{workspaceFolder:([^}]*)\}/g, (whole, name: string) => {
        const folder = folders.find((candidate) => candidate.name === name);
        if (folder === undefined) {
            unknownFolder ??= name;
            return whole;
        }
        return folder.path;
    });
    if (unknownFolder !== undefined) {
        const names = folders.map((folder) => `"${folder.name}"`).join(', ');
        return {
            ok: false,
            message: `${SERVER_PATH_SETTING} is set to "${setting}", but no workspace folder is named "${unknownFolder}"${names === '' ? '' : ` (the folders are ${names})`}: fix the name in \${workspaceFolder:…}.`,
        };
    }
    if (input.homeDir !== undefined) {
        expanded = expanded.replace(/\$\{userHome\}/g, input.homeDir);
        if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith('~\\')) {
            expanded = input.homeDir + expanded.slice(1);
        }
    }
    const needsFolder = expanded.includes('${workspaceFolder}') || !p.isAbsolute(expanded);
    if (!needsFolder) {
        return { ok: true, paths: [p.normalize(expanded)] };
    }
    const bases = input.settingFolder !== undefined ? [input.settingFolder] : folders;
    if (bases.length === 0) {
        return {
            ok: false,
            message: `${SERVER_PATH_SETTING} is set to "${setting}", which is relative to a workspace folder, but no folder is open: use an absolute path.`,
        };
    }
    const paths = bases.map((folder) => {
        const inFolder = expanded.replace(/\$\{workspaceFolder\}/g, folder.path);
        return p.normalize(p.isAbsolute(inFolder) ? inFolder : p.join(folder.path, inFolder));
    });
    return { ok: true, paths: [...new Set(paths)] };
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

/** What VS Code reports for `runbook-ls.server.path` in one workspace folder. */
export interface FolderSetting {
    folder: WorkspaceFolderPath;
    /** The value in effect for the folder (`get`, which honours workspace trust). */
    effective: string | null | undefined;
    /** The value written in the folder's own settings (`inspect().workspaceFolderValue`). */
    folderValue: string | null | undefined;
}

/**
 * One server serves the whole window, so one value of the setting is used: the first folder whose
 * own settings set it (relative to that folder), else the user or workspace value (a relative path
 * then tried in each folder in order). A folder value that workspace trust withholds is not in
 * effect, so it is never chosen.
 */
export function chooseServerPathSetting(
    windowValue: string | null | undefined,
    folders: readonly FolderSetting[],
): { setting: string | undefined; settingFolder?: WorkspaceFolderPath } {
    for (const { folder, effective, folderValue } of folders) {
        const value = (effective ?? '').trim();
        if (value !== '' && effective === folderValue) {
            return { setting: effective ?? undefined, settingFolder: folder };
        }
    }
    return { setting: windowValue ?? undefined };
}
