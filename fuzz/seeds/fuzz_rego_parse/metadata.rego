# METADATA
# scope: subpackages
# title: root
# description: all of it
package a.b

import rego.v1

# METADATA
# title: Rule
# entrypoint: true
# scope: document
# organizations: [Acme, 7]
# related_resources:
#  - https://example.com
#  - {ref: "https://example.com/x", description: d}
# authors:
#  - Jane Doe <jane@example.com>
#  - {name: John, email: j@example.com}
# schemas:
#  - input.x: schema.y
#  - input: {type: object}
# custom:
#  k: [1, {a: b}]
p := rego.metadata.chain()

# METADATA
# title: second
p := r if {
	rego.metadata.rule(r)
	[x | x := rego.metadata.chain()[_].path]
} else := rego.metadata.rule()
