//! Deterministic synthetic workspaces for the benchmark: KEY folders shaped
//! like the demo's (manifest, entry re-exporting from two handler files, JSDoc)
//! and runbooks shaped like the corpus's (ten canonical sections, diagnosis
//! steps, Actions with every field, and a few defects), all from one seed.

use std::fmt::Write as _;
use std::path::Path;

use crate::text::Rng;

const SYSTEMS: &[&str] = &[
    "stripe",
    "supabase",
    "postgres",
    "redis",
    "kafka",
    "s3",
    "cloudflare",
    "vercel",
    "github",
    "slack",
    "twilio",
    "sendgrid",
    "auth0",
    "okta",
    "datadog",
    "sentry",
    "openai",
    "elastic",
    "mongo",
    "rabbitmq",
    "k8s",
    "dns",
    "cdn",
    "billing",
    "cron",
];
const OBJECTS: &[&str] = &[
    "webhook",
    "subscription",
    "invoice",
    "session",
    "token",
    "secret",
    "cache",
    "index",
    "replica",
    "bucket",
    "job",
    "queue",
    "certificate",
    "dns-record",
    "rate-limit",
    "tenant",
    "user",
    "feature-flag",
    "connection",
    "backup",
];
const VERBS: &[&str] = &[
    "replay",
    "reset",
    "rotate",
    "purge",
    "restart",
    "reconcile",
    "backfill",
    "drain",
    "scale",
    "pause",
    "resume",
    "verify",
    "monitor",
    "repair",
    "sync",
    "snapshot",
    "restore",
    "throttle",
    "failover",
    "audit",
];
const SYMPTOMS: &[&str] =
    &["failure", "outage", "backlog", "drift", "lockout", "latency", "mismatch", "leak", "regression", "corruption"];

/// How many distinct KEY names the word lists make before numbering starts.
const N_COMBINATIONS: usize = 25 * 20 * 20;

/// The safety a KEY declares in its manifest, from what its verb does.
fn verb_safety(verb: &str) -> &'static str {
    match verb {
        "verify" | "monitor" | "snapshot" | "audit" => "SAFE",
        "purge" | "failover" => "IRREVERSIBLE",
        _ => "REVERSIBLE",
    }
}

fn pascal(words: &str) -> String {
    words
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn title(words: &str) -> String {
    words
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One synthetic KEY under `node-keys/`.
#[derive(Debug, Clone)]
pub struct Key {
    /// The folder name, e.g. `stripe-webhook-replay`.
    pub name: String,
    pub system: &'static str,
    pub object: &'static str,
    pub verb: &'static str,
    pub safety: &'static str,
    pub manifest: Manifest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manifest {
    Valid,
    /// No `key.json`: the KEY is indexed from its folder name.
    Missing,
    /// A `key.json` with a wrongly typed field (`invalid-key-manifest`).
    Malformed,
}

impl Key {
    pub fn slug(&self) -> String {
        format!("node-{}", self.name)
    }

    fn subject(&self) -> String {
        format!("{}{}", pascal(self.system), pascal(self.object))
    }

    /// The main callable: `replayStripeWebhook`.
    pub fn main_export(&self) -> String {
        format!("{}{}", self.verb, self.subject())
    }

    /// A read-only callable every KEY has: `readStripeWebhookStatus`.
    pub fn status_export(&self) -> String {
        format!("read{}Status", self.subject())
    }

    fn preview_export(&self) -> String {
        format!("preview{}{}", pascal(self.verb), self.subject())
    }

    fn count_export(&self) -> String {
        format!("count{}Events", self.subject())
    }

    fn options_type(&self) -> String {
        format!("{}{}Options", pascal(self.verb), self.subject())
    }

    fn status_type(&self) -> String {
        format!("{}Status", self.subject())
    }

    pub fn title(&self) -> String {
        format!("{} {} {}", title(self.system), title(self.object), title(self.verb))
    }

    fn side_effects(&self) -> Vec<String> {
        if self.safety == "SAFE" {
            return Vec::new();
        }
        vec![
            format!("Changes {} {} records in {}", self.verb, self.object.replace('-', " "), title(self.system)),
            format!("Writes an audit entry for every {} it touches", self.object.replace('-', " ")),
        ]
    }
}

/// The `n` KEYs of a workspace: distinct names, spread over the word lists,
/// and a different spread for every seed.
pub fn keys(n: usize, seed: u64) -> Vec<Key> {
    let offset = (seed % N_COMBINATIONS as u64) as usize;
    (0..n)
        .map(|i| {
            // 7919 is prime to 10,000, so this visits every combination once.
            let combination = (i * 7919 + offset) % N_COMBINATIONS;
            let system = SYSTEMS[combination % SYSTEMS.len()];
            let object = OBJECTS[(combination / SYSTEMS.len()) % OBJECTS.len()];
            let verb = VERBS[combination / (SYSTEMS.len() * OBJECTS.len())];
            let mut name = format!("{system}-{object}-{verb}");
            if i >= N_COMBINATIONS {
                write!(name, "-{}", i / N_COMBINATIONS + 1).expect("writing to a String");
            }
            let manifest = match i % 1000 {
                399 | 799 => Manifest::Missing,
                123 => Manifest::Malformed,
                _ => Manifest::Valid,
            };
            Key { name, system, object, verb, safety: verb_safety(verb), manifest }
        })
        .collect()
}

fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

fn manifest_json(key: &Key) -> String {
    let env = format!("{}_API_KEY", key.system.to_ascii_uppercase());
    let side_effects = match key.manifest {
        Manifest::Malformed => "\"see the README\"".to_string(),
        _ => json_list(&key.side_effects()),
    };
    format!(
        r#"{{
  "slug": "{name}",
  "title": "{title}",
  "description": "{verb_title}s {object} state in {system_title} when an incident needs it.",
  "tool": "node",
  "key_type": ["job", "integration"],
  "runtime": "node",
  "version": "1.0.0",
  "side_effects": {side_effects},
  "required_env": ["{env}", "DATABASE_URL"],
  "optional_env": ["{upper}_BATCH_SIZE"],
  "tenant_scope": "per-request-tenant-id",
  "safety": "{safety}",
  "preconditions": ["The {object} incident is confirmed in the {system_title} dashboard"],
  "rollback": "Run the KEY again with the previous {object} state.",
  "license_spdx": "MIT"
}}
"#,
        name = key.name,
        title = key.title(),
        verb_title = title(key.verb),
        object = key.object.replace('-', " "),
        system_title = title(key.system),
        upper = key.system.to_ascii_uppercase(),
        safety = key.safety,
    )
}

fn entry_ts(key: &Key) -> String {
    let verb = key.verb;
    format!(
        "/**\n * {title}: {verb}s {object} state in {system}.\n *\n * @packageDocumentation\n */\n\
         export {{ {main}, {preview} }} from './handlers/{verb}';\n\
         export type {{ {options} }} from './handlers/{verb}';\n\
         export {{ {status}, {count} }} from './handlers/status';\n\
         export type {{ {status_type} }} from './handlers/status';\n",
        title = key.title(),
        object = key.object.replace('-', " "),
        system = title(key.system),
        main = key.main_export(),
        preview = key.preview_export(),
        options = key.options_type(),
        status = key.status_export(),
        count = key.count_export(),
        status_type = key.status_type(),
    )
}

fn action_handler_ts(key: &Key) -> String {
    let side_effect = key.side_effects().into_iter().next().unwrap_or_else(|| "None (read-only)".to_string());
    format!(
        r#"export interface {options} {{
  tenantId: string;
  dryRun?: boolean;
  batchSize?: number;
}}

/**
 * {verb_title}s the {object} state of one tenant in {system}.
 *
 * @param options - Which tenant, and whether to only preview the change
 * @returns How many records were changed
 * @safety {safety}
 * @sideEffect {side_effect}
 * @precondition The {object} incident is confirmed
 * @rollback Run again with the previous state
 */
export async function {main}(options: {options}): Promise<number> {{
  throw new Error('synthetic');
}}

/**
 * Lists what `{main}` would change, without changing it.
 *
 * @safety SAFE
 */
export const {preview} = async (options: {options}): Promise<string[]> => {{
  return [];
}};
"#,
        options = key.options_type(),
        verb_title = title(key.verb),
        object = key.object.replace('-', " "),
        system = title(key.system),
        safety = key.safety,
        main = key.main_export(),
        preview = key.preview_export(),
    )
}

fn status_handler_ts(key: &Key) -> String {
    format!(
        r#"export interface {status_type} {{
  healthy: boolean;
  lastEventAt: Date | null;
}}

/**
 * Reads the current {object} status of one tenant in {system}.
 *
 * @param params - The tenant to read
 * @safety SAFE - read-only
 */
export async function {status}(params: {{ tenantId: string }}): Promise<{status_type}> {{
  return {{ healthy: true, lastEventAt: null }};
}}

/**
 * Counts {object} events since `since`.
 *
 * @safety SAFE
 */
export const {count} = async (since: Date): Promise<number> => 0;
"#,
        status_type = key.status_type(),
        object = key.object.replace('-', " "),
        system = title(key.system),
        status = key.status_export(),
        count = key.count_export(),
    )
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
}

/// Writes one KEY folder: `key.json`, `src/index.ts`, `src/handlers/<verb>.ts`
/// and `src/handlers/status.ts`.
pub fn write_key(root: &Path, key: &Key) {
    let folder = root.join("node-keys").join(&key.name);
    let handlers = folder.join("src/handlers");
    std::fs::create_dir_all(&handlers).unwrap_or_else(|error| panic!("cannot create {}: {error}", handlers.display()));
    if key.manifest != Manifest::Missing {
        write(&folder.join("key.json"), &manifest_json(key));
    }
    write(&folder.join("src/index.ts"), &entry_ts(key));
    write(&handlers.join(format!("{}.ts", key.verb)), &action_handler_ts(key));
    write(&handlers.join("status.ts"), &status_handler_ts(key));
}

/// What a runbook is about: `stripe-webhook-failure` is about Stripe webhooks.
#[derive(Debug, Clone)]
pub struct Incident {
    /// The runbook folder under `runbook-keys/`.
    pub name: String,
    pub system: &'static str,
    pub object: &'static str,
}

/// The `i`-th incident of a workspace.
pub fn incident(i: usize, seed: u64) -> Incident {
    let n_combinations = SYSTEMS.len() * OBJECTS.len() * SYMPTOMS.len();
    let combination = (i * 1009 + (seed as usize % n_combinations)) % n_combinations;
    let system = SYSTEMS[combination % SYSTEMS.len()];
    let object = OBJECTS[(combination / SYSTEMS.len()) % OBJECTS.len()];
    let symptom = SYMPTOMS[combination / (SYSTEMS.len() * OBJECTS.len())];
    let mut name = format!("{system}-{object}-{symptom}");
    if i >= n_combinations {
        write!(name, "-{}", i / n_combinations + 1).expect("writing to a String");
    }
    Incident { name, system, object }
}

/// A runbook being written, and what it references.
pub struct RunbookWriter<'a> {
    keys: &'a [Key],
    /// The KEYs of the incident's system, which its Actions mostly use.
    own_keys: Vec<&'a Key>,
    /// The read-only KEYs, for the short "Check" Actions.
    safe_keys: Vec<&'a Key>,
    rng: Rng,
    out: String,
    /// Slugs of existing KEYs that the runbook references.
    referenced: Vec<String>,
    system: &'static str,
    object: &'static str,
}

/// The shape of a runbook to write.
#[derive(Debug, Clone, Copy)]
pub struct RunbookShape {
    pub n_actions: usize,
    /// At least this many diagnosis steps.
    pub min_steps: usize,
    /// More steps are added until the runbook has this many lines.
    pub target_lines: usize,
    /// Whether a canonical section may be missing or out of order.
    pub structure_defects: bool,
}

impl<'a> RunbookWriter<'a> {
    pub fn new(keys: &'a [Key], system: &'static str, object: &'static str, seed: u64) -> RunbookWriter<'a> {
        let own_keys: Vec<&Key> = keys.iter().filter(|key| key.system == system).collect();
        let safe_keys: Vec<&Key> = own_keys.iter().copied().filter(|key| key.safety == "SAFE").collect();
        let safe_keys =
            if safe_keys.is_empty() { keys.iter().filter(|key| key.safety == "SAFE").collect() } else { safe_keys };
        RunbookWriter {
            keys,
            own_keys,
            safe_keys,
            rng: Rng::new(seed),
            out: String::new(),
            referenced: Vec::new(),
            system,
            object,
        }
    }

    /// A KEY for an Action: usually one of the incident's system.
    fn key(&mut self) -> &'a Key {
        if !self.own_keys.is_empty() && self.rng.below(10) < 7 {
            return self.own_keys[self.rng.below(self.own_keys.len())];
        }
        let keys = self.keys;
        &keys[self.rng.below(keys.len())]
    }

    /// A read-only KEY (one time in twenty, any KEY: a `safety-mismatch`).
    fn safe_key(&mut self) -> &'a Key {
        if self.safe_keys.is_empty() || self.rng.below(20) == 0 {
            return self.key();
        }
        self.safe_keys[self.rng.below(self.safe_keys.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.rng.below(100) < percent
    }

    fn reference(&mut self, key: &Key) -> String {
        let slug = key.slug();
        if !self.referenced.contains(&slug) {
            self.referenced.push(slug.clone());
        }
        slug
    }

    /// A slug with one letter dropped from its name (`unknown-key`).
    fn typo(&mut self, name: &str) -> String {
        let mut name = name.to_string();
        let at = 1 + self.rng.below(name.len() - 2);
        if name.is_char_boundary(at) && name.as_bytes()[at] != b'-' {
            name.remove(at);
        } else {
            name.push('x');
        }
        name
    }

    /// Writes the runbook and returns its text.
    pub fn write(mut self, title_words: &str, shape: RunbookShape) -> (String, Vec<String>) {
        let mut actions = String::new();
        std::mem::swap(&mut self.out, &mut actions);
        for n in 1..=shape.n_actions {
            self.action(n);
        }
        std::mem::swap(&mut self.out, &mut actions);

        let head = self.head(title_words);
        let mut tail_sections = self.tail();
        if shape.structure_defects {
            match self.rng.below(20) {
                0 => tail_sections.retain(|(name, _)| *name != "Evidence & Audit Notes"),
                1 => tail_sections.swap(0, 1),
                _ => {}
            }
        }
        let tail: String = tail_sections.into_iter().map(|(_, text)| text).collect();

        let fixed_lines = head.lines().count() + actions.lines().count() + tail.lines().count() + 4;
        let mut steps = String::new();
        std::mem::swap(&mut self.out, &mut steps);
        let mut n = 0;
        while n < shape.min_steps || fixed_lines + self.out.lines().count() < shape.target_lines {
            n += 1;
            self.step(n);
        }
        std::mem::swap(&mut self.out, &mut steps);

        let mut text = head;
        text.push_str("## Diagnosis Flow\n\n");
        text.push_str(&steps);
        text.push_str("## Action Steps\n\n");
        text.push_str(&actions);
        text.push_str(&tail);
        (text, self.referenced)
    }

    fn head(&mut self, title_words: &str) -> String {
        let (system, object) = (self.system, self.object.replace('-', " "));
        let metric = format!("{}_{}", system, self.object.replace('-', "_"));
        let probe = self.key();
        let probe_slug = self.reference(probe);
        format!(
            r#"# {title} Runbook

## Scope

This runbook covers:
- {System} {object} requests failing or timing out
- {System} {object} events not being processed
- Alerts on `{metric}_error_rate`

This runbook does NOT cover:
- {System} API outages (see: {System} Outage Runbook)
- Database connection failures (see: Database Connection Failure Runbook)

---

## When to Use This Runbook

Use this runbook when:
- Alert: "{metric}_error_rate > 5%"
- The {System} dashboard shows failed {object} deliveries
- Users report {object} changes not reflected in the app

---

## When NOT to Use This Runbook

Do NOT use this runbook for:
- {System} being unreachable (use: Service Outage Runbook)
- Planned maintenance windows

---

## Immediate Safety Checks (First 2 Minutes)

**DO THESE FIRST:**

1. **Check that the endpoint answers**
   ```bash
   curl -sf https://status.example.com/{system}/{slug_object}
   ```
   - If it returns 500: continue with this runbook
   - If it returns 200: check `{probe_slug}` output before acting

2. **Check recent deployments**
   - Navigate: {System} Dashboard → Deployments → Last 15 minutes
   - If deployed in the last 15 minutes: consider a rollback

---

"#,
            title = title(title_words),
            System = title(system),
            slug_object = self.object,
        )
    }

    fn tail(&mut self) -> Vec<(&'static str, String)> {
        let (system, object) = (self.system, self.object.replace('-', " "));
        let audit_key = self.key();
        let audit_slug = self.reference(audit_key);
        let follow_key = self.key();
        let follow_slug = self.reference(follow_key);
        vec![
            (
                "Verification",
                format!(
                    "## Verification\n\n1. **Check the {object} health**\n   ```bash\n   curl -sf https://status.example.com/{system}/health\n   ```\n   **Success**: returns 200 within 2 seconds\n\n2. The `{system}` error-rate alert resolves within 15 minutes.\n\n---\n\n"
                ),
            ),
            (
                "Rollback / Escalation",
                format!(
                    "## Rollback / Escalation\n\nEscalate to the {system} on-call engineer if {object} failures continue after 30 minutes.\n\n---\n\n"
                ),
            ),
            (
                "Evidence & Audit Notes",
                format!(
                    "## Evidence & Audit Notes\n\nRecord the incident start time, every action taken and its result.\n\nRelated KEYs:\n- `{audit_slug}`: its audit entries are the evidence\n- `{follow_slug}`: run it again to confirm the fix\n\n---\n\n"
                ),
            ),
            (
                "Post-Incident Follow-Ups",
                format!(
                    "## Post-Incident Follow-Ups\n\n- Add an alert on `{system}_{metric}_lag`\n- Automate the manual steps above with `{follow_slug}`\n- Review the {object} retry policy — see the team wiki\n",
                    metric = self.object.replace('-', "_"),
                ),
            ),
        ]
    }

    fn step(&mut self, n: usize) {
        let (system, object) = (self.system, self.object.replace('-', " "));
        let what = ["Check", "Verify", "Inspect", "Compare", "Count"][self.rng.below(5)];
        writeln!(self.out, "### Step {n}: {what} {} {}\n", title(system), title(self.object)).expect("String");
        match self.rng.below(3) {
            0 => {
                let key = self.key();
                let slug = self.reference(key);
                writeln!(self.out, "**Action**: Use `{slug}` to read the current {object} status.\n").expect("String");
            }
            1 => {
                writeln!(
                    self.out,
                    "**Action**: Use Jupyter KEY to analyse the event pattern\n\n- **KEY**: `jupyter-{system}-{}-analysis`\n- **Input**: last 24 hours of {object} logs\n",
                    self.object
                )
                .expect("String");
            }
            _ => {
                writeln!(
                    self.out,
                    "**Action**: Compare the configured {object} with the {} dashboard → Settings.\n",
                    title(system)
                )
                .expect("String");
            }
        }
        let slug_object = self.object;
        let command = match self.rng.below(4) {
            0 => format!("grep -i \"{object}\" /var/log/{system}.log | tail -100"),
            1 => format!("curl -s https://api.example.com/internal/{system}/{slug_object}/health | jq ."),
            2 => format!("kubectl logs deployment/{system}-{slug_object}-worker --since=1h | grep -c ERROR"),
            _ => format!("psql \"$DATABASE_URL\" -c \"select count(*) from {system}_events where status = 'failed'\""),
        };
        writeln!(
            self.out,
            "```bash\n{command}\n```\n\n**Expected**: no {object} errors in the last hour\n\n**If Errors Found**:\n- Note the first error's timestamp\n- Continue to Step {}\n\n**If None**:\n- **STOP HERE** - Issue resolved\n\n---\n",
            n + 1
        )
        .expect("String");
    }

    fn action(&mut self, n: usize) {
        match self.rng.below(100) {
            0..35 => self.full_action(n),
            35..75 => self.compact_action(n),
            _ => self.manual_action(n),
        }
    }

    /// An Action that runs a KEY, with every field and, sometimes, a defect.
    fn full_action(&mut self, n: usize) {
        let key = self.key();
        let defect = self.rng.below(100);
        let mut safety = key.safety.to_string();
        if defect < 3 {
            safety = safety.replace("IBLE", "ABLE"); // unknown-safety-class
        }
        let heading_safety = if (3..7).contains(&defect) {
            String::new() // missing-safety
        } else if safety.starts_with("IRREV") {
            format!(" ({safety} - USE WITH CAUTION)")
        } else {
            format!(" ({safety})")
        };
        let slug =
            if (7..10).contains(&defect) { format!("node-{}", self.typo(&key.name)) } else { self.reference(key) };
        let location = if (10..13).contains(&defect) {
            format!("/node-keys/{}/src/main.ts", key.name) // location-mismatch
        } else {
            format!("/node-keys/{}/src/index.ts", key.name)
        };
        let mut function = key.main_export();
        if (13..16).contains(&defect) {
            function.pop(); // unknown-export
        }
        let import_key = if (16..18).contains(&defect) { self.key() } else { key }; // key-import-mismatch
        if import_key.name != key.name {
            function = import_key.main_export();
        }
        let verb = title(key.verb);
        writeln!(self.out, "### Action {n}: {verb} {} {}{heading_safety}\n", title(key.system), title(key.object))
            .expect("String");
        if !(18..22).contains(&defect) {
            let step = 1 + self.rng.below(5);
            writeln!(
                self.out,
                "**Preconditions**:\n- Verified the {} problem in Step {step}\n- Have access to the {} dashboard\n",
                key.object.replace('-', " "),
                title(key.system)
            )
            .expect("String");
        }
        if safety.starts_with("IRREV") && !defect.is_multiple_of(3) {
            writeln!(self.out, "**Warning**: This cannot be undone. Use only as a last resort.\n").expect("String");
        }
        writeln!(self.out, "**Automated (Preferred)**:\n- **KEY**: `{slug}`\n- **Location**: `{location}`")
            .expect("String");
        let side_effects = key.side_effects();
        if side_effects.is_empty() {
            writeln!(self.out, "- **Side Effects**: None (read-only)\n").expect("String");
        } else if !(22..25).contains(&defect) {
            writeln!(self.out, "- **Side Effects**:\n  - {}\n  - {}\n", side_effects[0], side_effects[1])
                .expect("String");
        } else {
            self.out.push('\n');
        }
        writeln!(
            self.out,
            "**Execution**:\n```typescript\nimport {{ {function} }} from '@/node-keys/{}/src';\n\nawait {function}({{ tenantId: process.env.TENANT_ID, dryRun: false }});\n```\n",
            import_key.name
        )
        .expect("String");
        writeln!(
            self.out,
            "**Manual Alternative (If Automation Fails)**: Run `{}ctl {} {}` from the ops host.\n",
            key.system, key.verb, key.object
        )
        .expect("String");
        if defect % 4 == 1 {
            writeln!(self.out, "**Safety**: {safety} - reviewed by the on-call lead\n").expect("String");
        }
        writeln!(self.out, "**Verification**: the `{}_{}_errors` metric returns to baseline.\n", key.system, key.verb)
            .expect("String");
        if !(25..28).contains(&defect) {
            writeln!(self.out, "**Rollback**: run `{slug}` again with the previous state.\n").expect("String");
        }
        self.out.push_str("---\n\n");
    }

    /// A short read-only Action with a KEY.
    fn compact_action(&mut self, n: usize) {
        let key = self.safe_key();
        let slug = self.reference(key);
        let function = key.status_export();
        let precondition = if self.chance(4) {
            String::new()
        } else {
            format!("**Precondition**: Action {} completed\n\n", n.saturating_sub(1).max(1))
        };
        writeln!(
            self.out,
            "### Action {n}: Check {} {} (SAFE)\n\n{precondition}- **KEY**: `{slug}`\n- **Side Effects**: None (read-only)\n\n**Execution**:\n```typescript\nimport {{ {function} }} from '@/node-keys/{}/src';\n\nawait {function}({{ tenantId: process.env.TENANT_ID }});\n```\n\n**Manual Alternative**: `curl https://status.example.com/{}/{}`\n",
            title(key.system),
            title(key.object),
            key.name,
            key.system,
            key.object
        )
        .expect("String");
    }

    /// An Action done by hand in bash, without a KEY (like the corpus's restarts).
    fn manual_action(&mut self, n: usize) {
        let (system, object) = (self.system, self.object);
        let safety = if self.chance(10) { "" } else { " (REVERSIBLE)" };
        writeln!(
            self.out,
            "### Action {n}: Restart {} {} Workers{safety}\n\n**Precondition**: Identified a hung worker in Step {}\n\n**Action**:\n```bash\nkubectl rollout restart deployment/{system}-{object}-worker\nkubectl rollout status deployment/{system}-{object}-worker --timeout=120s\n```\n\n**Verification**: the workers report healthy in the dashboard.\n\n**Rollback**: restarting again is safe.\n",
            title(system),
            title(object),
            1 + self.rng.below(5)
        )
        .expect("String");
    }
}

/// The `pack.json` beside a runbook: its KEY references, one sometimes missing
/// (`pack-reference-mismatch`).
pub fn pack_json(name: &str, referenced: &[String], drop_one: bool) -> String {
    let mut slugs = referenced.to_vec();
    slugs.sort();
    if drop_one {
        slugs.pop();
    }
    format!(
        "{{\n  \"slug\": \"{name}\",\n  \"title\": \"{} Runbook\",\n  \"tool\": \"operational\",\n  \"references_node_keys\": {},\n  \"references_jupyter_keys\": []\n}}\n",
        title(name),
        json_list(&slugs)
    )
}

/// A generated workspace on disk.
#[derive(Debug)]
pub struct Workspace {
    pub keys: Vec<Key>,
    /// Runbook paths relative to the root, `runbook-keys/<name>/README.md`.
    pub runbooks: Vec<String>,
}

/// Writes `n_keys` KEYs and `n_runbooks` runbooks (with their `pack.json`) under `root`.
pub fn write_workspace(root: &Path, n_keys: usize, n_runbooks: usize, seed: u64) -> Workspace {
    let keys = keys(n_keys, seed);
    for key in &keys {
        write_key(root, key);
    }
    let mut runbooks = Vec::new();
    for i in 0..n_runbooks {
        let Incident { name, system, object } = incident(i, seed);
        let mut shape_rng = Rng::new(seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let shape = RunbookShape {
            n_actions: 4 + shape_rng.below(7),
            min_steps: 4 + shape_rng.below(5),
            target_lines: 0,
            structure_defects: true,
        };
        let (text, referenced) = RunbookWriter::new(&keys, system, object, shape_rng.next_u64()).write(&name, shape);
        let folder = root.join("runbook-keys").join(&name);
        std::fs::create_dir_all(&folder).unwrap_or_else(|error| panic!("cannot create {}: {error}", folder.display()));
        write(&folder.join("README.md"), &text);
        write(&folder.join("pack.json"), &pack_json(&name, &referenced, shape_rng.below(10) == 0));
        runbooks.push(format!("runbook-keys/{name}/README.md"));
    }
    Workspace { keys, runbooks }
}

/// The W1 document: one long runbook with `lines / 21` Actions (about 19
/// lines each), padded with diagnosis steps to about `lines` lines.
pub fn typing_document(keys: &[Key], lines: usize, seed: u64) -> String {
    let shape = RunbookShape { n_actions: lines / 21, min_steps: 3, target_lines: lines, structure_defects: false };
    let Incident { system, object, .. } = incident(seed as usize % 97, seed);
    RunbookWriter::new(keys, system, object, seed ^ 0x7E57).write("bench-typing", shape).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_seeded() {
        let keys_a = keys(500, 1);
        let keys_b = keys(500, 1);
        assert_eq!(typing_document(&keys_a, 1000, 1), typing_document(&keys_b, 1000, 1));
        assert_ne!(typing_document(&keys_a, 1000, 1), typing_document(&keys(500, 2), 1000, 2));
        let all = keys(N_COMBINATIONS + 10, 3);
        let mut distinct: Vec<&str> = all.iter().map(|key| key.name.as_str()).collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), all.len(), "KEY names are distinct");
    }

    #[test]
    fn the_typing_document_is_a_runbook_of_the_asked_size() {
        let keys = keys(500, 9);
        let text = typing_document(&keys, 10_000, 9);
        let n_lines = text.lines().count();
        assert!((9_500..=10_500).contains(&n_lines), "{n_lines} lines");
        let parse = runbook_syntax::Parse::new(&text);
        let runbook = parse.runbook();
        assert_eq!(runbook.actions.len(), 476);
        assert!(runbook.steps.len() >= 20, "{} steps", runbook.steps.len());
        assert!(runbook.key_refs.len() > 500, "{} KEY references", runbook.key_refs.len());
        assert!(runbook.imports.len() > 300, "{} imports", runbook.imports.len());
        let headings: Vec<&str> =
            runbook.headings.iter().filter(|h| h.level == 2).map(|h| h.text(parse.text())).collect();
        assert_eq!(
            headings,
            [
                "Scope",
                "When to Use This Runbook",
                "When NOT to Use This Runbook",
                "Immediate Safety Checks (First 2 Minutes)",
                "Diagnosis Flow",
                "Action Steps",
                "Verification",
                "Rollback / Escalation",
                "Evidence & Audit Notes",
                "Post-Incident Follow-Ups",
            ]
        );
    }
}
