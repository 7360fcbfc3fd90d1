package t

# METADATA
# scope: package
# authors:
#  - {team: x}
# related_resources: [3]
# title:bad
f(_, [_]) := 1 if { _ = 1 } else := {3, "a", 1, x, {"b": 1, "a": [y | y := 1]}}
# METADATA
