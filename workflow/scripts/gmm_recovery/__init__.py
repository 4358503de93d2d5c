"""gmm_recovery: the study layer of gmm-recovery, on top of the gmmem estimators.

Where things go:
- design, seeds, config: a study's config read safely, checked, and turned
  into scenarios, grids and seeds (design.check_all runs every check);
- simulation, pseudo_true: the data-generating mechanisms and, for a
  misspecified truth, the pseudo-true parameters;
- replicates: fitting one block of replicates as the study does;
- evaluation, measures: aligning fits with the truth and the performance
  measures with their Monte Carlo SEs (Morris, White & Crowther 2019);
- checks, tables, summary, grid_views: the tables between stages and the
  summary tables a reader sees;
- figures, dataset_figures, grid_views: the figures;
- datasets, dataset_analysis, cli, fit_records: fitting your own CSV column.

It uses gmmem only through gmmem's public names (``from gmmem import ...``
and :mod:`gmmem.settings`); gmmem never imports it.
"""
