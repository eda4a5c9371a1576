FUNCTION f(x) {
    f = x +
}
