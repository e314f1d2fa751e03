"""Pages of tests/pyhtml/pages precompiled by pyhtml 0.2.0 (python -m pyhtml compile).

Load them with FileLoader(root, compiled=<this module's name>). Generated: do not
edit; compile again after changing a page.
"""
# ruff: noqa (generated: page names are the render's globals, not this module's)

# ---- errors.pyhtml


def _ph_0():
    global broken

    def broken():
        return 1 // zero



def _ph_1():
    return (0 if (mode == "expression") else

    1 if (mode == "function") else

    2 if (mode == "block") else



    3 if (mode == "iterable") else

    4 if (mode == "unpack") else

    5 if (mode == "include") else 6)


def _ph_2():
    return (('\n  ',_ph_e(1 // zero),'\n',))


def _ph_3():
    return (('\n  ',_ph_e(broken()),'\n',))


def _ph_4():
    global value

    value = {}["missing"]



def _ph_5():
    return (5)


def _ph_6():
    global x
    for x in _ph_it: _ph_a((_ph_e(x),))


def _ph_7():
    return ([(1, 2), (3,)])


def _ph_8():
    global a, b
    for a, b in _ph_it: _ph_a((_ph_e(a),))

# ---- index.pyhtml


def _ph_9():
    global money, note, sys, visits

    # a page counter that persists, and page functions
    global visits
    visits = globals().get("visits", 0) + 1
    import sys

    def money(cents):
        return "%d.%02d" % (cents // 100, cents % 100)

    note = """two
	lines"""
    if visits:
    	note = note + " ok"



def _ph_10():
    global total
    return (('<h1>',_ph_e(title),'</h1>\n<p>Visit ',
    _ph_e(visits),' on ',_ph_e(len(sys.platform) > 0),'; ',_ph_e((total := 0)),'</p>\n',))


def _ph_11():
    return (0 if (not items) else

    1 if (len(items) == 1) else 2)


def _ph_12():
    return (('\n  <p>',_ph_e(len(items)),' things.</p>\n',))


def _ph_13():
    return (items)


def _ph_14():
    global cents, name
    for name, cents in _ph_it: _ph_a(('\n  <li>',
    _ph_e(name),': ',_ph_e(money(cents)),'</li>\n',))


def _ph_15():
    return (items)


def _ph_16():
    global cents, name
    name, cents = _ph_v


def _ph_17():
    return (pairs)


def _ph_18():
    global a, b, c
    for (a, (b, c)) in _ph_it: _ph_a(('[',_ph_e(a),_ph_e(b),_ph_e(c),']',))


def _ph_19():
    return (('\n<p>é ✓ 😀 ',_ph_e("ü<"),'</p>\n<pre>',
    _ph_e(note),'</pre>','\n',))


def _ph_20():

    log.append(("end", visits))


# ---- stream.pyhtml


def _ph_21():
    global mine

    mine = who



def _ph_22():
    return (range(60))


def _ph_23():
    global i
    for i in _ph_it: _ph_a(('<b>',_ph_e(mine),_ph_e(i),'</b>',))

# ---- parts/item.pyhtml


def _ph_24():
    global total

    total = total + cents
    print("<!-- %s -->" % name, end="")



def _ph_25():
    return (('<i>',_ph_e(name),' (',_ph_e(money(total)),')</i>\n',))


PAGES = {
    'errors.pyhtml': (
        (('py', _ph_0, ), '<p>\n', ('if', _ph_1, (3, 5, 7, 11, 15, 19, 22, ), ), _ph_2, 22, _ph_3, 22, '\n  ', ('py', _ph_4, ), '\n', 22, '\n  ', ('loop', _ph_5, _ph_6, 14, ), '\n', 22, '\n  ', ('loop', _ph_7, _ph_8, 16, ), '\n', 22, '\n  ', ('include', 'parts/item.pyhtml', 18, ), '\n', '\n</p>\n', ),
        (),
        (),
        b'\x00\r\x00\x10\x00\x01\x00\x14\x00 \x00\x05\x00$\x00$\x00\x06\x00(\x00(\x00\x08\x00-\x00/\x00\n\x003\x003\x00\x0e\x008\x008\x00\x0e\x00<\x00<\x00\x10\x00A\x00A\x00\x10',
    ),
    'index.pyhtml': (
        (('py', _ph_9, ), _ph_10, ('if', _ph_11, (3, 5, 7, ), ), '\n  <p>Nothing.</p>\n', 8, '\n  <p>One thing.</p>\n', 8, _ph_12, '\n<ul>\n', ('loop', _ph_13, _ph_14, 24, ), '\n</ul>\n', ('for', _ph_15, 13, 28, ), ('include', 'parts/item.pyhtml', 28, ), ('next', 12, _ph_16, 28, ), '\n', ('loop', _ph_17, _ph_18, 29, ), _ph_19, ),
        (_ph_20, ),
        ('visits',),
        b'\x00H\x00U\x00\x01\x00Z\x00[\x00\x0e\x00_\x00a\x00\x10\x00e\x00e\x00\x15\x00i\x00i\x00\x18\x00n\x00o\x00\x18\x00s\x00s\x00\x1c\x00x\x00x\x00\x1c\x00|\x00|\x00\x1d\x00\x81\x00\x81\x00\x1d\x00\x85\x00\x86\x00\x1e\x00\x8a\x00\x8c\x00\x1f',
    ),
    'stream.pyhtml': (
        (('py', _ph_21, ), ('loop', _ph_22, _ph_23, 3, ), '\n', ),
        (),
        (),
        b'\x00\x93\x00\x95\x00\x01\x00\x99\x00\x99\x00\x03\x00\x9e\x00\x9e\x00\x03',
    ),
    'parts/item.pyhtml': (
        (('py', _ph_24, ), _ph_25, ),
        (),
        (),
        b'\x00\xa5\x00\xa8\x00\x01\x00\xac\x00\xac\x00\x04',
    ),
}
