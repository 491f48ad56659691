LstmLua.main()
