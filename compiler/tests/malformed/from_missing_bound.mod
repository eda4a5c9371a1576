INITIAL {
    FROM i = 0 TO {
        x = i
    }
}
