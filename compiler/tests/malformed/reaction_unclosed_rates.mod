KINETIC kin {
    ~ A <-> B (kf, kb
}
