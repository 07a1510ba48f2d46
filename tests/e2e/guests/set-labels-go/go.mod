module example.com/set-labels

go 1.21
