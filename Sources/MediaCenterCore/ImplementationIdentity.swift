/// The names this product gives itself in File Meta Information and association negotiation.
public enum ImplementationIdentity {
    /// Implementation Class UID (0002,0012): a UID under the 2.25 root, made from a UUID
    /// generated once for this product (the UUID's 128 bits written as a decimal integer).
    public static let classUID = "2.25.96710907642074304841997746578912157085"

    /// Implementation Version Name (0002,0013): at most 16 characters.
    public static let versionName = "MEDIACENTER_0_1"

    /// The product version shown by the console and in README.TXT on each disc.
    public static let productVersion = "0.1.0"
}
