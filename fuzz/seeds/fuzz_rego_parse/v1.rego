package p
import rego.v1
default allow := false
allow if {
  some x in input.xs
  x > 1
  not input.deny
}
q contains y if { y := [1,2][_] }
f(x) := x * 2 if x > 0 else := 0
