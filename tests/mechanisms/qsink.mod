COMMENT
A point process holding one value Q that other mechanisms write through their POINTERs: the shared
target of hnn-core's dipoles' Qtotal (tests/mechanisms/dipole.mod, dipole_pp.mod) in
tests/it/before_after.rs. Q is a STATE without an equation, so that its tangent is kept.
ENDCOMMENT

NEURON {
    POINT_PROCESS QSink
    RANGE Q
}

STATE {
    Q (fAm)
}

INITIAL {
    Q = 0
}
