package memberlist_test

import (
	"testing"

	"gatehouse/core/memberlist"
	"gatehouse/core/memberlist/memberlisttest"
)

func TestGoListConformance(t *testing.T) {
	memberlisttest.Run(t, memberlist.NewGoList)
}
