INITIAL {
    x = "unterminated
}
