# builtins.rego - the built-in-heavy workload of bench/rego.sh (ours):
# string, regex, time, JSON and semver built-ins over 50 records.
package policy

import rego.v1

default allow := false

allow if count(problems) == 0

email_ok(e) if regex.match(`^[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$`, e)

problems contains sprintf("%s: bad email %q", [r.name, r.email]) if {
	some r in input.records
	not email_ok(lower(r.email))
}

problems contains sprintf("%s: created in the future", [r.name]) if {
	some r in input.records
	time.parse_rfc3339_ns(r.created) > time.parse_rfc3339_ns(input.now)
}

problems contains sprintf("%s: created on a weekend", [r.name]) if {
	some r in input.records
	time.weekday(time.parse_rfc3339_ns(r.created)) in {"Saturday", "Sunday"}
}

problems contains sprintf("%s: version %s too old", [r.name, r.version]) if {
	some r in input.records
	semver.compare(trim_prefix(r.version, "v"), "1.2.0") < 0
}

problems contains sprintf("%s: label %s", [r.name, k]) if {
	some r in input.records
	labels := json.unmarshal(r.labels)
	some k, v in labels
	not startswith(k, "app.")
	not contains(v, "/")
}

problems contains concat("", ["bad name: ", r.name]) if {
	some r in input.records
	parts := split(r.name, "-")
	count(parts) != 3
}

summary := {r.name: {
	"owner": upper(split(r.email, "@")[0]),
	"day": time.date(time.parse_rfc3339_ns(r.created)),
	"hosts": regex.find_n(`[a-z]+-[0-9]+`, r.name, -1),
	"labels": json.marshal(json.unmarshal(r.labels)),
	"slug": replace(lower(r.name), "-", "_"),
} |
	some r in input.records
}

allow_with_summary if {
	allow
	count(summary) == count(input.records)
}
