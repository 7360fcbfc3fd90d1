package policy
import future.keywords.every
default allow = false
allow { every k, v in input { judge(k, v) } }
judge(k, v) { data.reference[k] == v }
judge(k, v) { not data.reference[k] }
