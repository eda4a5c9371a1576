INITIAL {
    if x > 0 {
        m = 1
    }
}
