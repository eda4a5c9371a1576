TITLE awkward.mod: names that are Rust keywords or the generated code's own

COMMENT
A leak with a gating state whose every name collides with something in Rust: the suffix `type`,
a state `self`, a current `loop`, parameters `match`, `j`, `k`, `w`, `cv`, `ctx`, `None` and
`FieldInfo`. The generated code must mangle them all and still compute g (v - e) with
g = match*self*w*cv*ctx*None*FieldInfo. For gradmod's end-to-end tests.
ENDCOMMENT

NEURON {
    SUFFIX type
    NONSPECIFIC_CURRENT loop
    RANGE match, j, k, w, cv, ctx, None, FieldInfo
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    match = 0.0003 (S/cm2)
    j = -60 (mV)
    k = 2 (ms)
    w = 1
    cv = 1
    ctx = 1
    None = 1
    FieldInfo = 1
}

STATE {
    self
}

ASSIGNED {
    v (mV)
    loop (mA/cm2)
}

INITIAL {
    self = 0.5
}

BREAKPOINT {
    SOLVE st METHOD cnexp
    loop = match*self*w*cv*ctx*None*FieldInfo*(v - j)
}

DERIVATIVE st {
    self' = (1 - self)/k
}
