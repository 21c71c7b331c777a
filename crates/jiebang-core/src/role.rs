//! Roles and what they allow. A user holds grants; each grant is a role with a scope (the whole
//! platform, one program, one region or one organization). Permission checks are pure functions
//! of the grants, so every rule is unit-tested here and the web layer only asks.

use serde::{Deserialize, Serialize};

named_enum!(
    /// The five roles of the platform.
    Role {
        /// Runs the platform.
        Admin = "admin" / "管理员" / "Administrator",
        /// 发榜方: creates programs (global grant) and manages the ones it is granted.
        Organizer = "organizer" / "发榜方" / "Organizer",
        /// 评审专家.
        Expert = "expert" / "评审专家" / "Expert",
        /// 推荐单位, for a region.
        Recommender = "recommender" / "推荐单位" / "Recommender",
        /// 揭榜方: acts for an organization.
        Applicant = "applicant" / "揭榜方" / "Applicant",
    }
);

/// What a grant applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Everywhere.
    Global,
    /// One program.
    Program(i64),
    /// One region (GB/T 2260 code).
    Region(String),
    /// One organization.
    Organization(i64),
}

/// A role held in a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// Where it applies.
    pub scope: Scope,
}

/// The signed-in user as permission checks see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// User id.
    pub user_id: i64,
    /// Everything the user holds.
    pub grants: Vec<Grant>,
}

impl Principal {
    fn holds(&self, role: Role, scope: &Scope) -> bool {
        self.grants.iter().any(|g| g.role == role && &g.scope == scope)
    }

    /// Platform administrator.
    pub fn is_admin(&self) -> bool {
        self.holds(Role::Admin, &Scope::Global)
    }

    /// May create new programs (and becomes their organizer).
    pub fn can_create_program(&self) -> bool {
        self.is_admin() || self.holds(Role::Organizer, &Scope::Global)
    }

    /// May run the supply–demand catalogue: enter anyone's demands and solutions, record
    /// engagements, read every field. The people who may create programs.
    pub fn can_manage_catalogue(&self) -> bool {
        self.can_create_program()
    }

    /// May edit a program, its challenges and its status, and see it while it is a draft.
    pub fn can_manage_program(&self, program_id: i64) -> bool {
        self.is_admin() || self.holds(Role::Organizer, &Scope::Program(program_id))
    }

    /// May register organizations. Any signed-in user may register the unit they act for; the
    /// credit code check and its uniqueness keep the register clean.
    pub fn can_create_organization(&self) -> bool {
        true
    }

    /// May act for an organization: register it for a challenge and submit as its team.
    pub fn can_act_for(&self, organization_id: i64) -> bool {
        self.is_admin() || self.holds(Role::Applicant, &Scope::Organization(organization_id))
    }

    /// The organizations the user acts for as an applicant.
    pub fn organizations(&self) -> Vec<i64> {
        self.grants
            .iter()
            .filter_map(|g| match (g.role, &g.scope) {
                (Role::Applicant, Scope::Organization(id)) => Some(*id),
                _ => None,
            })
            .collect()
    }

    /// May recommend applications whose lead unit is registered in `region_code`: a recommender
    /// for a province or city covers the divisions under it.
    pub fn can_recommend_in(&self, region_code: &str) -> bool {
        self.grants.iter().any(|g| match (g.role, &g.scope) {
            (Role::Recommender, Scope::Region(scope)) => crate::region::covers(scope, region_code),
            _ => false,
        })
    }

    /// Whether the user holds a recommender grant anywhere.
    pub fn is_recommender(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Recommender)
    }

    /// Whether the user is in the expert pool.
    pub fn is_expert(&self) -> bool {
        self.grants.iter().any(|g| g.role == Role::Expert)
    }

    /// May list and create user accounts and grants.
    pub fn can_manage_users(&self) -> bool {
        self.is_admin()
    }

    /// The roles held anywhere, for display.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> =
            Role::ALL.iter().copied().filter(|r| self.grants.iter().any(|g| g.role == *r)).collect();
        roles.dedup();
        roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(grants: &[(Role, Scope)]) -> Principal {
        Principal {
            user_id: 1,
            grants: grants.iter().map(|(role, scope)| Grant { role: *role, scope: scope.clone() }).collect(),
        }
    }

    #[test]
    fn an_organizer_manages_only_the_programs_granted_to_them() {
        let p = principal(&[(Role::Organizer, Scope::Program(7))]);
        assert!(p.can_manage_program(7));
        assert!(!p.can_manage_program(8));
        assert!(!p.can_create_program());
    }

    #[test]
    fn a_global_organizer_may_create_programs_but_not_manage_others() {
        let p = principal(&[(Role::Organizer, Scope::Global)]);
        assert!(p.can_create_program());
        assert!(!p.can_manage_program(1));
    }

    #[test]
    fn an_admin_may_do_everything_and_experts_nothing_administrative() {
        let admin = principal(&[(Role::Admin, Scope::Global)]);
        assert!(admin.can_manage_program(99) && admin.can_manage_users() && admin.can_create_program());
        let expert = principal(&[(Role::Expert, Scope::Global)]);
        assert!(!expert.can_manage_program(1) && !expert.can_manage_users() && !expert.can_create_program());
        assert_eq!(expert.roles(), [Role::Expert]);
    }

    #[test]
    fn a_city_recommender_covers_its_districts_and_no_other_city() {
        let jinan = principal(&[(Role::Recommender, Scope::Region("370100".into()))]);
        assert!(jinan.can_recommend_in("370102") && jinan.can_recommend_in("370100"));
        assert!(!jinan.can_recommend_in("370202"));
        let province = principal(&[(Role::Recommender, Scope::Region("370000".into()))]);
        assert!(province.can_recommend_in("370202") && !province.can_recommend_in("320100"));
        assert!(!principal(&[(Role::Expert, Scope::Global)]).can_recommend_in("370102"));
    }

    #[test]
    fn an_applicant_acts_only_for_their_own_organizations() {
        let p = principal(&[(Role::Applicant, Scope::Organization(3)), (Role::Expert, Scope::Global)]);
        assert!(p.can_act_for(3) && !p.can_act_for(4));
        assert_eq!(p.organizations(), [3]);
        assert!(principal(&[(Role::Admin, Scope::Global)]).can_act_for(4));
        assert!(!principal(&[(Role::Organizer, Scope::Program(3))]).can_act_for(3));
    }
}
