"""Weekly injury risk: the risk vector V_t per player-week, the paper's risk head, a
gradient-boosting baseline beside it, time-ordered evaluation and per-prediction drivers."""
