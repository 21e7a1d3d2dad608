"""Models of the inspectors app (执法检查人员名录库 and 专家名录库)."""
