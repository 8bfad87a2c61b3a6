//! The store's operations on PostgreSQL built so far (issue 16): reading the plans and
//! evaluating — the same code as on SQLite (`portable`), over a database `thidua migrate`
//! filled. `thidua --database-url postgres://… evaluate` runs on it. Everything else
//! (imports, the web application, accounts…) still answers that PostgreSQL is not in this
//! version (`Store::open_url`).

use crate::portable::{Db, Val};
use crate::read::{evaluation_with_on, units_on, Evaluation};
use crate::sums::{tally_from_sums_on, Context, Row, ROW_COLUMNS};
use crate::Result;
use std::collections::HashMap;
use std::sync::Arc;
use thidua_domain::dossier::DossierTally;
use thidua_domain::eval::HeadResult;
use thidua_domain::plan::Plan;
use thidua_domain::time::DateTime;

/// A connection to a PostgreSQL store (its schema brought up to date when opened).
pub struct PgStore {
    client: crate::sql::PgConn,
}

impl PgStore {
    pub fn open(url: &str) -> Result<PgStore> {
        Ok(PgStore {
            client: crate::sql::PgConn::new(crate::pg::connect(url)?),
        })
    }

    fn db(&self) -> Db<'_> {
        Db::Pg(&self.client)
    }

    /// Whether a plan is loaded (`thidua init` ran, or a store was moved in).
    pub fn is_initialised(&self) -> Result<bool> {
        Ok(self
            .db()
            .row("SELECT count(*) FROM plans", &[])?
            .and_then(|r| r[0].int())
            .unwrap_or(0)
            > 0)
    }

    pub fn plans(&self) -> Result<Vec<Plan>> {
        crate::plans_on(self.db())
    }

    /// The plan named by `code`, or the only one covering `year` (as `Store::plan_for`).
    pub fn plan_for(&self, year: Option<i32>, code: Option<&str>) -> Result<Plan> {
        crate::pick_plan(&self.plans()?, year, code)
    }

    /// Evaluates every head under `plan` as of `as_of` (as `Store::evaluate`).
    pub fn evaluate(&self, plan: &Plan, as_of: DateTime) -> Result<Vec<HeadResult>> {
        Ok(self.evaluation(plan, as_of)?.heads)
    }

    /// The evaluation with its units and dossier tally (as `Store::evaluation`): the kept
    /// sums, or every dossier where they cannot answer.
    pub fn evaluation(&self, plan: &Plan, as_of: DateTime) -> Result<Evaluation> {
        let db = self.db();
        let units = units_on(db)?;
        let index: HashMap<i64, u32> = units.iter().enumerate().map(|(i, u)| (u.id, i as u32)).collect();
        let tally = match tally_from_sums_on(db, &index, as_of)? {
            Some(t) => t,
            None => count_dossiers_on(db, &index, as_of)?,
        };
        evaluation_with_on(db, plan, as_of, units, Arc::new(tally))
    }
}

/// Every dossier through the formulas, on either backend (the kept sums cannot answer).
fn count_dossiers_on(db: Db, index: &HashMap<i64, u32>, as_of: DateTime) -> Result<DossierTally> {
    let context = Context::read(db)?;
    let mut tally = DossierTally::default();
    db.for_each(
        &format!("SELECT {ROW_COLUMNS} FROM dossiers"),
        &[],
        |r: &[Val]| {
            let row = Row::from_vals(r);
            if let Some(&unit) = index.get(&row.unit_id) {
                context.apply(&mut tally, unit, &row, as_of, 1);
            }
            Ok(())
        },
    )?;
    Ok(tally)
}
