PROCEDURE rates(v (mV) {
    m = 1
}
