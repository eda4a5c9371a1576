PARAMETER {
    gl = 1e (S/cm2)
}
