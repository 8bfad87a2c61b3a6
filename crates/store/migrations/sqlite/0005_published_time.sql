-- The shortened time the province published for a procedure (thoi_han_cong_bo, working
-- days, decimal text like statutory_days); NULL when the catalogue gives none.
-- Read by the `cong_bo` variant of tthc_rut_ngan (INDICATORS.md 2.2).
ALTER TABLE procedures ADD COLUMN published_days TEXT;
