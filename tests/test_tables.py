"""gmm_recovery.tables: the order in which tables and figure panels read."""


def test_figure_panels_read_per_component_with_one_weight_for_two_components():
    from gmm_recovery.tables import reading_order

    import pandas as pd

    table = lambda pairs: pd.DataFrame(pairs, columns=["parameter", "component"])
    pairs = [("mean", 1), ("mean", 2), ("sd", 1), ("sd", 2), ("weight", 1), ("weight", 2)]
    assert reading_order(table(pairs)) == [("weight", 1), ("mean", 1), ("sd", 1), ("mean", 2),
                                           ("sd", 2)]
    three = pairs + [("weight", 3), ("mean", 3), ("sd", 3)]
    assert reading_order(table(three))[:4] == [("weight", 1), ("mean", 1), ("sd", 1),
                                               ("weight", 2)]
    two_d = [("cov_1_2", 1), ("sd_2", 1), ("mean_2", 1), ("mean_1", 1), ("sd_1", 1),
             ("weight", 1)]
    assert reading_order(table(two_d)) == [("weight", 1), ("mean_1", 1), ("mean_2", 1),
                                           ("sd_1", 1), ("sd_2", 1), ("cov_1_2", 1)]
