// What the status bar item says: the server's state and the progress of its indexing, from the
// client's state changes and the server's `$/progress` reports. Pure (no `vscode` import) so each
// state is unit-tested; `extension.ts` renders the view onto a StatusBarItem.

/** The parts of `WorkDoneProgressBegin | Report | End` the status shows. */
export interface ProgressValue {
    kind: 'begin' | 'report' | 'end';
    title?: string;
    message?: string;
    percentage?: number;
}

export interface StatusView {
    /** Status bar text, with a `$(codicon)`. */
    text: string;
    /** Plain-text tooltip, one fact per line. */
    tooltip: string;
    /** What a screen reader says. */
    accessibilityLabel: string;
    /** Whether the item is coloured as an error or a warning. */
    alert?: 'error' | 'warning';
}

type ServerState =
    | { kind: 'starting' }
    | { kind: 'running'; version?: string }
    | { kind: 'stopped' }
    | { kind: 'failed'; message: string };

interface Task {
    title: string;
    /** The runbooks parsed in the background after a folder's index is ready. */
    parsing: boolean;
    /** For the index: the folder name the server sends with `begin`. */
    message?: string;
    percentage?: number;
}

const NAME = 'runbook-ls';
/** The token prefix of the server's background parse, which follows each index. */
const PARSE_TOKEN = 'runbook-ls/parse/';
const CLICK = 'Click to show the output.';

export class ServerStatus {
    private state: ServerState = { kind: 'starting' };
    private readonly tasks = new Map<string, Task>();
    /** The last finished task per folder, e.g. `demo` -> `3 KEYs, 2 runbooks`. */
    private readonly finished = new Map<string, string>();
    private serverPath: string | undefined;

    starting(serverPath: string): void {
        this.state = { kind: 'starting' };
        this.serverPath = serverPath;
        this.tasks.clear();
        this.finished.clear();
    }

    running(version?: string): void {
        this.state = { kind: 'running', version };
    }

    /** Stopped on purpose (restart, deactivation). */
    stopped(): void {
        this.state = { kind: 'stopped' };
        this.tasks.clear();
    }

    /** Could not start, or died: `message` says why and what to do. */
    failed(message: string): void {
        this.state = { kind: 'failed', message };
        this.tasks.clear();
    }

    progress(token: string | number, value: ProgressValue): void {
        const key = String(token);
        if (value.kind === 'begin') {
            const parsing = key.startsWith(PARSE_TOKEN);
            this.tasks.set(key, { title: value.title ?? 'Working', parsing, message: value.message, percentage: value.percentage });
            return;
        }
        const task = this.tasks.get(key);
        if (task === undefined) {
            return;
        }
        if (value.kind === 'report') {
            task.message = value.message ?? task.message;
            task.percentage = value.percentage ?? task.percentage;
            return;
        }
        this.tasks.delete(key);
        // What the index found stays the folder's summary; the parse after it only ends.
        if (value.message !== undefined && !task.parsing) {
            this.finished.set(task.message ?? task.title, value.message);
        }
    }

    view(): StatusView {
        switch (this.state.kind) {
            case 'failed':
                return {
                    text: `$(error) ${NAME}`,
                    tooltip: `${this.state.message}\n\n${CLICK}`,
                    accessibilityLabel: `${NAME}: failed. ${this.state.message}`,
                    alert: 'error',
                };
            case 'stopped':
                return {
                    text: `$(circle-slash) ${NAME}`,
                    tooltip: `${NAME} is stopped. Run "runbook-ls: Restart Server" to start it.\n\n${CLICK}`,
                    accessibilityLabel: `${NAME}: stopped`,
                    alert: 'warning',
                };
            case 'starting':
                return {
                    text: `$(sync~spin) ${NAME}`,
                    tooltip: `Starting ${this.serverPath ?? NAME}…\n\n${CLICK}`,
                    accessibilityLabel: `${NAME}: starting`,
                };
            case 'running':
                return this.runningView(this.state.version);
        }
    }

    private runningView(version: string | undefined): StatusView {
        const tasks = [...this.tasks.values()];
        const server = `${NAME}${version === undefined ? '' : ` ${version}`}`;
        if (tasks.length > 0) {
            const lines = tasks.map((task) => `${task.title}${task.message === undefined ? '' : `: ${task.message}`}${percent(task.percentage)}`);
            const percentages = tasks.map((task) => task.percentage).filter((value) => value !== undefined);
            // One number for several folders would mislead: show it only when one task runs.
            const shown = tasks.length === 1 ? percent(percentages[0]) : '';
            const doing = tasks.every((task) => task.parsing) ? 'parsing runbooks' : 'indexing';
            return {
                text: `$(sync~spin) ${NAME}: ${doing}${shown}`,
                tooltip: `${server} is running.\n${lines.join('\n')}\n\n${CLICK}`,
                accessibilityLabel: `${NAME}: ${lines.join('; ')}`,
            };
        }
        const indexed = [...this.finished.entries()].map(([folder, summary]) => `${folder}: ${summary}`);
        return {
            text: `$(check) ${NAME}`,
            tooltip: `${server} is running.${indexed.length === 0 ? '' : `\nIndexed:\n${indexed.join('\n')}`}\n\n${CLICK}`,
            accessibilityLabel: `${NAME}: ready${indexed.length === 0 ? '' : `, indexed ${indexed.join('; ')}`}`,
        };
    }
}

function percent(value: number | undefined): string {
    return value === undefined ? '' : ` ${Math.round(value)}%`;
}
