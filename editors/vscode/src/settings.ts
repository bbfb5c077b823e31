// Turns VS Code's `runbook-ls.*` settings into the object the server reads. Pure (no `vscode`
// import) so the layering rules below are unit-tested.

/** The configuration section the server asks for in `workspace/configuration`. */
export const SECTION = 'runbook-ls';

/** Keys of the server's config struct; `server.*` and `trace.*` are client-only settings. */
export const SERVER_KEYS = ['runbooks', 'key-roots', 'rules', 'inlay-hints', 'max-document-bytes'] as const;
export type ServerKey = (typeof SERVER_KEYS)[number];

export const SEVERITIES = ['error', 'warning', 'info', 'hint', 'off'] as const;

/** Diagnostic codes (SPEC section 5) whose severity `runbook-ls.rules` can change. */
export const RULE_CODES = [
    'missing-precondition',
    'missing-rollback',
    'irreversible-without-warning',
    'missing-safety',
    'missing-side-effects',
    'unknown-safety-class',
    'safety-mismatch',
    'unknown-key',
    'unresolved-import',
    'unknown-export',
    'location-mismatch',
    'key-import-mismatch',
    'hidden-execution',
    'missing-manual-alternative',
    'missing-section',
    'section-order',
    'pack-reference-mismatch',
    'invalid-key-manifest',
    'invalid-config',
    'unreadable-file',
    'file-too-large',
] as const;

/** What `WorkspaceConfiguration.inspect(key)` reports, reduced to the scopes we read. */
export interface Inspected<T> {
    globalValue?: T;
    workspaceValue?: T;
    workspaceFolderValue?: T;
}

export type ServerSettings = Partial<Record<ServerKey, unknown>>;

/**
 * Builds the settings to send to the server from the values the user actually set.
 *
 * VS Code reports a default for every contributed setting. Sending those would override the
 * workspace's `runbook-ls.toml` (LSP settings take precedence over the file), so a key the user
 * never set is left out and the server keeps the value from its file or its own default. The
 * most specific scope wins; `rules` is merged rule by rule, like VS Code merges object settings.
 */
export function serverSettingsFrom(inspect: (key: ServerKey) => Inspected<unknown> | undefined): ServerSettings {
    const settings: ServerSettings = {};
    for (const key of SERVER_KEYS) {
        const inspected = inspect(key);
        if (inspected === undefined) {
            continue;
        }
        const scoped = [inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue]
            .filter((value) => value !== undefined && value !== null);
        if (scoped.length === 0) {
            continue;
        }
        if (key === 'rules') {
            const merged: Record<string, unknown> = {};
            for (const value of scoped) {
                if (isPlainObject(value)) {
                    Object.assign(merged, value);
                }
            }
            settings.rules = merged;
        } else {
            settings[key] = scoped[scoped.length - 1];
        }
    }
    return settings;
}

/** Answers one `workspace/configuration` item for our section or a sub-section of it. */
export function configurationItem(section: string | undefined, settings: ServerSettings): unknown {
    if (section === SECTION) {
        return settings;
    }
    const prefix = `${SECTION}.`;
    if (section !== undefined && section.startsWith(prefix)) {
        const key = section.slice(prefix.length);
        return (settings as Record<string, unknown>)[key] ?? null;
    }
    return undefined;
}

/** Whether a changed setting is one the server reads (and so must be told about). */
export function isServerSettingChange(affects: (section: string) => boolean): boolean {
    return SERVER_KEYS.some((key) => affects(`${SECTION}.${key}`));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
