//! The latest evaluation, kept while the data it was computed from is unchanged. Every
//! page of a plan year reads the same snapshot, so the overview, a unit's page and the
//! ranking always agree, and a busy morning does not recompute the province per request.

use crate::{AppError, AppState};
use std::sync::{Arc, Mutex};
use thidua_domain::plan::Plan;
use thidua_domain::time::DateTime;
use thidua_store::read::Evaluation;
use thidua_store::Store;

pub struct Snapshot {
    pub plan: Plan,
    pub as_of: DateTime,
    pub eval: Evaluation,
    /// The evaluation is final: the plan period is over.
    pub year_closed: bool,
    /// Unique to this snapshot (fragments rendered from it are kept under it).
    pub id: u64,
}

/// Snapshot ids.
static SNAPSHOTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

type DossierFacts = (
    Vec<thidua_store::read::UnitRecord>,
    Arc<thidua_domain::dossier::DossierTally>,
);

#[derive(Default)]
pub struct EvalCache {
    slot: Mutex<Vec<(String, Arc<Snapshot>)>>,
    /// The dossier tally (the expensive half): kept across entry changes, and across
    /// minutes until a dossier would count differently (`DossierTally::holds_at`), under
    /// the dossiers' version and the as-of it was made at.
    /// A few are kept: a closed year's and a running year's pages alternate.
    facts: Mutex<Vec<(String, DateTime, DossierFacts)>>,
    /// One computation at a time: requests that miss the cache wait here, then read the
    /// snapshot the first one made.
    gate: tokio::sync::Mutex<()>,
    /// How many evaluations were computed (tests check the coalescing with it).
    pub computed: std::sync::atomic::AtomicU64,
    /// HTML rendered from a snapshot and the same for every reader who may see it (the
    /// overview's table for a filter…), under the snapshot's id and what else it depends
    /// on; the most recent `FRAGMENTS` are kept.
    fragments: Mutex<Vec<(String, Arc<dyn std::any::Any + Send + Sync>)>>,
    /// A connection that never writes: its `PRAGMA data_version` moves whenever anyone
    /// (this server, a command-line import, another instance on the same file) commits.
    probe: tokio::sync::Mutex<Probe>,
    /// The snapshots last answered per request (year, plan code), with the probe's version
    /// read before they were looked up, the day, and the minute for a running year: while
    /// none of these moved, the same snapshot answers without a trip to the blocking pool.
    recent: Mutex<Vec<Recent>>,
    /// The users of sessions and tokens last read (`auth::current_user`), reused while the
    /// probe shows no commit to either file and until each one's time runs out.
    pub(crate) users: Mutex<std::collections::HashMap<String, crate::auth::KeptUser>>,
}

/// The probe, and what it read last and when it began to read it.
#[derive(Default)]
pub(crate) struct Probe {
    store: Option<thidua_store::Store>,
    last: Option<(std::time::Instant, (i64, i64))>,
}

struct Recent {
    asked: (Option<i32>, Option<String>),
    commits: i64,
    day: i32,
    minute: i64,
    snap: Arc<Snapshot>,
}

const FRAGMENTS: usize = 256;

impl AppState {
    /// What was kept under `key` (which must name the snapshot's id and every other input
    /// of the value), if it is still there.
    pub fn kept<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<T> {
        let kept = self.cache().fragments.lock().expect("cache lock");
        kept.iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.downcast_ref::<T>().cloned())
    }

    /// Keeps `value` under `key` (the most recent `FRAGMENTS` are kept).
    pub fn keep<T: Send + Sync + 'static>(&self, key: String, value: T) {
        let mut kept = self.cache().fragments.lock().expect("cache lock");
        kept.retain(|(k, _)| *k != key);
        kept.push((key, Arc::new(value)));
        if kept.len() > FRAGMENTS {
            kept.remove(0);
        }
    }

    /// What `read` answers, kept under `key` while the probe connection shows no commit
    /// anywhere (for what the snapshot's key does not cover: a unit's entries and
    /// reopenings). Without the probe, read every time.
    pub async fn read_kept<T, F>(&self, key: &str, read: F) -> Result<T, AppError>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce(&mut Store) -> Result<T, AppError> + Send + 'static,
    {
        let Some(commits) = self.commits_seen().await else {
            return self.db(read).await;
        };
        let key = format!("{key}|commits {commits}");
        if let Some(hit) = self.kept::<T>(&key) {
            return Ok(hit);
        }
        let value = self.db(read).await?;
        self.keep(key, value.clone());
        Ok(value)
    }

    /// The fragment under `key`, rendered once (`kept`/`keep`).
    pub fn fragment(&self, key: String, render: impl FnOnce() -> String) -> Arc<String> {
        if let Some(f) = self.kept::<Arc<String>>(&key) {
            return f;
        }
        let f = Arc::new(render());
        self.keep(key, f.clone());
        f
    }
}

/// The plan to show when no year is asked for: the latest that has begun.
fn default_plan(store: &Store, today: thidua_domain::time::Date) -> Result<Plan, AppError> {
    let plans = store.plans()?;
    let begun = plans
        .iter()
        .filter(|p| p.period_from <= today)
        .max_by_key(|p| p.period_from)
        .or(plans.first());
    begun
        .cloned()
        .ok_or_else(|| AppError::refused("Chưa có kế hoạch nào trong hệ thống."))
}

/// The plan with this code, else the one covering this year, else the current one.
fn pick_plan(store: &Store, year: Option<i32>, code: Option<String>) -> Result<Plan, AppError> {
    Ok(match (code, year) {
        (Some(c), _) => store.plan_for(None, Some(&c))?,
        (None, Some(y)) => store.plan_for(Some(y), None)?,
        (None, None) => default_plan(store, DateTime::now_local().date())?,
    })
}

impl AppState {
    /// The evaluation of `year` (or of the current plan) as of now, or of the period's end
    /// when it is over.
    pub async fn snapshot(&self, year: Option<i32>) -> Result<Arc<Snapshot>, AppError> {
        self.snapshot_with(year, None).await
    }

    /// The evaluation under the plan with this code (a nomination's own plan).
    pub async fn snapshot_of(&self, plan_code: &str) -> Result<Arc<Snapshot>, AppError> {
        self.snapshot_with(None, Some(plan_code.to_string())).await
    }

    /// The plan alone (by code, or the current one), for pages that need its names and
    /// dates but not the evaluation.
    pub async fn plan(&self, code: Option<String>) -> Result<Plan, AppError> {
        self.db(move |s| pick_plan(s, None, code)).await
    }

    async fn snapshot_with(
        &self,
        year: Option<i32>,
        code: Option<String>,
    ) -> Result<Arc<Snapshot>, AppError> {
        // Nothing committed anywhere since this was last answered, same day, same minute
        // of a running year: the same snapshot, at once.
        let commits = self.commits_seen().await;
        let now = DateTime::now_local();
        let asked = (year, code.clone());
        if let Some(c) = commits {
            let recent = self.cache().recent.lock().expect("cache lock");
            if let Some(r) = recent.iter().find(|r| {
                r.asked == asked
                    && r.commits == c
                    && r.day == now.date().0
                    && (r.snap.year_closed || r.minute == now.0 / 60)
            }) {
                return Ok(r.snap.clone());
            }
        }
        // A hit answers at once; a miss waits its turn at the gate, so a crowd arriving at
        // a minute boundary makes one computation, not one each (the others find it done).
        let (y, c) = (year, code.clone());
        let snap = match self.snapshot_step(y, c, false).await? {
            Some(hit) => hit,
            None => {
                let _turn = self.cache().gate.lock().await;
                self.snapshot_step(year, code, true)
                    .await?
                    .expect("computed when asked to")
            }
        };
        if let Some(c) = commits {
            let mut recent = self.cache().recent.lock().expect("cache lock");
            recent.retain(|r| r.asked != asked);
            recent.push(Recent {
                asked,
                commits: c,
                day: now.date().0,
                minute: now.0 / 60,
                snap: snap.clone(),
            });
            if recent.len() > 8 {
                recent.remove(0);
            }
        }
        Ok(snap)
    }

    /// The probe connection's count of others' commits (None if it cannot be read: the
    /// slow path then decides).
    pub(crate) async fn commits_seen(&self) -> Option<i64> {
        self.both_commits_seen().await.map(|(data, _)| data)
    }

    /// The probe's counts of commits to the data and to the sessions. A request that
    /// waited for the probe while another read it takes that reading if it began after
    /// the request asked (it saw every commit made before): under load one reading answers
    /// every request that came in meanwhile, instead of each reading in turn. Requests wait
    /// without holding the runtime's threads; on PostgreSQL the reading (a round trip) is
    /// made on a blocking thread.
    pub(crate) async fn both_commits_seen(&self) -> Option<(i64, i64)> {
        let asked = std::time::Instant::now();
        let mut probe = self.cache().probe.lock().await;
        if let Some((began, counts)) = probe.last {
            if began >= asked {
                return Some(counts);
            }
        }
        let began = std::time::Instant::now();
        let counts = if self.config().database_url.is_some() {
            let (config, store) = (self.config().clone(), probe.store.take());
            let (store, counts) = tokio::task::spawn_blocking(move || {
                let store = store.or_else(|| crate::open_store(&config).ok());
                let counts = store.as_ref().and_then(|s| s.both_commits_seen().ok());
                (store, counts)
            })
            .await
            .ok()?;
            probe.store = store;
            counts?
        } else {
            if probe.store.is_none() {
                probe.store = crate::open_probe(self.config()).ok();
            }
            probe.store.as_ref()?.both_commits_seen().ok()?
        };
        probe.last = Some((began, counts));
        Some(counts)
    }

    /// The cached snapshot, or (with `compute`) a new one put in the cache.
    async fn snapshot_step(
        &self,
        year: Option<i32>,
        code: Option<String>,
        compute: bool,
    ) -> Result<Option<Arc<Snapshot>>, AppError> {
        let state = self.clone();
        self.db(move |s| {
            let now = DateTime::now_local();
            let plan = pick_plan(s, year, code)?;
            let end = plan.period_to.end();
            let as_of = if now.0 < end.0 { now } else { end };
            let year_closed = now.0 >= end.0;
            // Minutes, not seconds: a running year moves as its months do.
            let moment = if year_closed { end.0 } else { as_of.0 / 60 };
            let key = format!("{}|{moment}|{}", plan.code, s.data_version()?);
            if let Some(hit) = state.cache().get(&key) {
                return Ok(Some(hit));
            }
            if !compute {
                return Ok(None);
            }
            state
                .cache()
                .computed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // An entry changed, or a minute passed: the dossier facts are reused unless an
            // import came in or a dossier now counts differently (a due time passed…).
            let version = s.dossier_version()?;
            let (units, tally) = match state.cache().facts(&version, as_of) {
                Some(f) => f,
                None => {
                    let f = s.dossier_facts(as_of)?;
                    state.cache().put_facts(version, as_of, f.clone());
                    f
                }
            };
            let eval = s.evaluation_with(&plan, as_of, units, tally)?;
            let snap = Arc::new(Snapshot {
                plan,
                as_of,
                eval,
                year_closed,
                id: SNAPSHOTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            });
            state.cache().put(key, snap.clone());
            Ok(Some(snap))
        })
        .await
    }
}

impl EvalCache {
    fn facts(&self, version: &str, as_of: DateTime) -> Option<DossierFacts> {
        self.facts
            .lock()
            .expect("cache lock")
            .iter()
            .find(|(v, made, f)| v == version && f.1.holds_at(*made, as_of))
            .map(|(_, _, f)| f.clone())
    }
    fn put_facts(&self, version: String, made: DateTime, f: DossierFacts) {
        let mut kept = self.facts.lock().expect("cache lock");
        kept.retain(|(v, _, _)| *v == version);
        kept.push((version, made, f));
        if kept.len() > 3 {
            kept.remove(0);
        }
    }
    fn get(&self, key: &str) -> Option<Arc<Snapshot>> {
        self.slot
            .lock()
            .expect("cache lock")
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s.clone())
    }
    fn put(&self, key: String, snap: Arc<Snapshot>) {
        let mut slot = self.slot.lock().expect("cache lock");
        let plan = snap.plan.code.clone();
        slot.retain(|(k, _)| !k.starts_with(&format!("{plan}|")));
        slot.push((key, snap));
        if slot.len() > 4 {
            slot.remove(0);
        }
    }
}
