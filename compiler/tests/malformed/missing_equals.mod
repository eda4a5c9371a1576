INITIAL {
    m minf
}
