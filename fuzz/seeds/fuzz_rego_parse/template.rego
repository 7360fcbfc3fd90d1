package p
import rego.v1
a := "x"
p := $"v={a} n={1 + 2} s={ {1} } u={input.q} w={$"{a}"}"
q := $`multi
{a}
`
