module github.com/fiberfn/fiberfn/ext/redisstore

go 1.23

require github.com/fiberfn/fiberfn v0.0.0

replace github.com/fiberfn/fiberfn => ../../
